using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// BouncyCastle TLS server for the passive side of DTLS-SRTP (RFC 5763 §5, RFC 5764 §4.1): DTLS 1.2
/// only, ECDHE_ECDSA suites, use_srtp negotiation, a required client certificate whose hash must equal
/// the fingerprint from the peer's SDP (<see cref="DtlsSrtpPeer"/>).
/// </summary>
internal sealed class DtlsSrtpServer(BcTlsCrypto crypto, DtlsSrtpPeer peer) : DefaultTlsServer(crypto)
{
    public override int GetHandshakeTimeoutMillis() => peer.HandshakeTimeoutMillis;

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => DtlsSrtpPolicy.CipherSuites;

    protected override TlsCredentialedSigner GetECDsaSignerCredentials() =>
        DtlsCredentials.Signer(m_context, (BcTlsCrypto)Crypto, peer.Certificate);

    public override void ProcessClientExtensions(IDictionary<int, byte[]> clientExtensions)
    {
        base.ProcessClientExtensions(clientExtensions);
        UseSrtpData? offered = TlsSrtpUtilities.GetUseSrtpExtension(clientExtensions);
        peer.Profile = offered is null ? -1 : DtlsSrtpPolicy.ChooseProfile(offered.ProtectionProfiles);
        if (peer.Profile < 0)
        {
            // RFC 5764 §4.1.3: no common profile; WebRTC requires SRTP, so refuse the handshake.
            throw new TlsFatalAlert(AlertDescription.handshake_failure);
        }
    }

    public override IDictionary<int, byte[]> GetServerExtensions()
    {
        IDictionary<int, byte[]> extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetServerExtensions());
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData([peer.Profile], TlsUtilities.EmptyBytes));
        return extensions;
    }

    public override CertificateRequest GetCertificateRequest() => DtlsCredentials.CertificateRequest();

    public override void NotifyClientCertificate(Certificate clientCertificate) =>
        peer.VerifyPeerCertificate(clientCertificate, AlertDescription.certificate_required);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        peer.Complete(m_context);
    }
}
