using DigitalWeRoom.Sfu.Transport.Srtp;
using SrtpProtectionProfile = DigitalWeRoom.Sfu.Transport.Srtp.SrtpProtectionProfile;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// BouncyCastle TLS server for the passive side of DTLS-SRTP (RFC 5763 §5, RFC 5764 §4.1): DTLS 1.2
/// only, ECDHE_ECDSA suites, use_srtp negotiation, a required client certificate whose hash must equal
/// the fingerprint from the peer's SDP.
/// </summary>
internal sealed class DtlsSrtpServer : DefaultTlsServer
{
    private readonly DtlsCertificate _certificate;
    private readonly CertificateFingerprint _remoteFingerprint;
    private readonly int _handshakeTimeoutMillis;
    private int _profile = -1;

    public DtlsSrtpServer(BcTlsCrypto crypto, DtlsCertificate certificate, CertificateFingerprint remoteFingerprint, int handshakeTimeoutMillis)
        : base(crypto)
    {
        _certificate = certificate;
        _remoteFingerprint = remoteFingerprint;
        _handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    public DtlsSrtpResult? Result { get; private set; }

    /// <summary>Set when the peer's certificate did not match its signaled fingerprint.</summary>
    public bool FingerprintMismatch { get; private set; }

    public override int GetHandshakeTimeoutMillis() => _handshakeTimeoutMillis;

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => DtlsSrtpPolicy.CipherSuites;

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() =>
        DtlsCredentials.Signer(m_context, (BcTlsCrypto)Crypto, _certificate);

    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        UseSrtpData? offered = TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions);
        _profile = offered is null ? -1 : DtlsSrtpPolicy.ChooseProfile(offered.ProtectionProfiles);
        if (_profile < 0)
        {
            // RFC 5764 §4.1.3: no common profile; WebRTC requires SRTP, so refuse the handshake.
            throw new TlsFatalAlert(AlertDescription.handshake_failure);
        }
    }

    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        IDictionary<int, byte[]> extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetServerExtensions());
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData([_profile], TlsUtilities.EmptyBytes));
        return extensions;
    }

    public override CertificateRequest GetCertificateRequest() => DtlsCredentials.CertificateRequest();

    public override void NotifyClientCertificate(Certificate clientCertificate)
    {
        if (clientCertificate is null || clientCertificate.IsEmpty)
        {
            throw new TlsFatalAlert(AlertDescription.certificate_required);
        }
        if (!_remoteFingerprint.Matches(clientCertificate.GetCertificateAt(0).GetEncoded()))
        {
            FingerprintMismatch = true;
            throw new TlsFatalAlert(AlertDescription.bad_certificate);
        }
    }

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        Result = DtlsSrtpPolicy.ExportResult(m_context, _profile);
    }
}
