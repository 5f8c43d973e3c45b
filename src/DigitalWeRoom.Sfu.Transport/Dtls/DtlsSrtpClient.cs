using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// BouncyCastle TLS client for the active side of DTLS-SRTP (RFC 5763 §5, RFC 5764 §4.1): offers
/// use_srtp with our profiles, presents our certificate, and checks the server certificate against
/// the fingerprint from its SDP (<see cref="DtlsSrtpPeer"/>).
/// </summary>
internal sealed class DtlsSrtpClient(BcTlsCrypto crypto, DtlsSrtpPeer peer) : DefaultTlsClient(crypto)
{
    public override int GetHandshakeTimeoutMillis() => peer.HandshakeTimeoutMillis;

    protected override ProtocolVersion[] GetSupportedVersions() => ProtocolVersion.DTLSv12.Only();

    protected override int[] GetSupportedCipherSuites() => DtlsSrtpPolicy.CipherSuites;

    public override IDictionary<int, byte[]> GetClientExtensions()
    {
        IDictionary<int, byte[]> extensions = TlsExtensionsUtilities.EnsureExtensionsInitialised(base.GetClientExtensions());
        TlsSrtpUtilities.AddUseSrtpExtension(extensions, new UseSrtpData(DtlsSrtpPolicy.SrtpProfiles, TlsUtilities.EmptyBytes));
        return extensions;
    }

    public override void ProcessServerExtensions(IDictionary<int, byte[]> serverExtensions)
    {
        base.ProcessServerExtensions(serverExtensions);
        UseSrtpData? selected = TlsSrtpUtilities.GetUseSrtpExtension(serverExtensions);
        // RFC 5764 §4.1.1: the server answers with exactly one of the offered profiles.
        if (selected is null || selected.ProtectionProfiles.Length != 1
            || Array.IndexOf(DtlsSrtpPolicy.SrtpProfiles, selected.ProtectionProfiles[0]) < 0)
        {
            throw new TlsFatalAlert(AlertDescription.illegal_parameter);
        }
        peer.Profile = selected.ProtectionProfiles[0];
    }

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        peer.Complete(m_context);
    }

    private sealed class Authentication(DtlsSrtpClient owner) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate) =>
            owner.Peer.VerifyPeerCertificate(serverCertificate?.Certificate, AlertDescription.bad_certificate);

        public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest) =>
            DtlsCredentials.Signer(owner.m_context, (BcTlsCrypto)owner.Crypto, owner.Peer.Certificate);
    }

    private DtlsSrtpPeer Peer => peer;
}
