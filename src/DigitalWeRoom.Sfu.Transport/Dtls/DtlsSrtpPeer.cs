using Org.BouncyCastle.Tls;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// What the two roles of a DTLS-SRTP handshake share (RFC 5763 §5, RFC 5764 §4): our certificate, the fingerprint the
/// peer's certificate must hash to, the handshake timeout, the negotiated SRTP profile and, once done, the keying
/// material. <see cref="DtlsSrtpServer"/> and <see cref="DtlsSrtpClient"/> derive from different BouncyCastle bases,
/// so they hold one of these instead of repeating it.
/// </summary>
internal sealed class DtlsSrtpPeer(DtlsCertificate certificate, CertificateFingerprint remoteFingerprint, int handshakeTimeoutMillis)
{
    public DtlsCertificate Certificate { get; } = certificate;

    public int HandshakeTimeoutMillis { get; } = handshakeTimeoutMillis;

    /// <summary>The use_srtp profile both sides agreed on (RFC 5764 §4.1.1), -1 before.</summary>
    public int Profile { get; set; } = -1;

    /// <summary>The SRTP keys once the handshake completed.</summary>
    public DtlsSrtpResult? Result { get; private set; }

    /// <summary>Set when the peer's certificate did not match its signaled fingerprint.</summary>
    public bool FingerprintMismatch { get; private set; }

    /// <summary>
    /// RFC 5763 §5, RFC 8122 §5: the peer's end-entity certificate must hash to the a=fingerprint of its description.
    /// No certificate at all is refused with <paramref name="missingAlert"/> (the server requires one, RFC 5763 §5).
    /// </summary>
    public void VerifyPeerCertificate(Certificate? chain, short missingAlert)
    {
        if (chain is null || chain.IsEmpty)
        {
            throw new TlsFatalAlert(missingAlert);
        }
        if (!remoteFingerprint.Matches(chain.GetCertificateAt(0).GetEncoded()))
        {
            FingerprintMismatch = true;
            throw new TlsFatalAlert(AlertDescription.bad_certificate);
        }
    }

    /// <summary>RFC 5764 §4.2: the handshake is done; export the SRTP keying material.</summary>
    public void Complete(TlsContext context) => Result = DtlsSrtpPolicy.ExportResult(context, Profile);
}
