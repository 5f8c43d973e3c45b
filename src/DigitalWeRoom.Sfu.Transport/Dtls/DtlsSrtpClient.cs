using DigitalWeRoom.Sfu.Transport.Srtp;
using SrtpProtectionProfile = DigitalWeRoom.Sfu.Transport.Srtp.SrtpProtectionProfile;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// BouncyCastle TLS client for the active side of DTLS-SRTP (RFC 5763 §5, RFC 5764 §4.1): offers
/// use_srtp with our profiles, presents our certificate, and checks the server certificate against
/// the fingerprint from its SDP.
/// </summary>
internal sealed class DtlsSrtpClient : DefaultTlsClient
{
    private readonly DtlsCertificate _certificate;
    private readonly CertificateFingerprint _remoteFingerprint;
    private readonly int _handshakeTimeoutMillis;
    private int _profile = -1;

    public DtlsSrtpClient(BcTlsCrypto crypto, DtlsCertificate certificate, CertificateFingerprint remoteFingerprint, int handshakeTimeoutMillis)
        : base(crypto)
    {
        _certificate = certificate;
        _remoteFingerprint = remoteFingerprint;
        _handshakeTimeoutMillis = handshakeTimeoutMillis;
    }

    public DtlsSrtpResult? Result { get; private set; }

    public bool FingerprintMismatch { get; private set; }

    public override int GetHandshakeTimeoutMillis() => _handshakeTimeoutMillis;

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
        _profile = selected.ProtectionProfiles[0];
    }

    public override TlsAuthentication GetAuthentication() => new Authentication(this);

    public override void NotifyHandshakeComplete()
    {
        base.NotifyHandshakeComplete();
        Result = DtlsSrtpPolicy.ExportResult(m_context, _profile);
    }

    private sealed class Authentication(DtlsSrtpClient owner) : TlsAuthentication
    {
        public void NotifyServerCertificate(TlsServerCertificate serverCertificate)
        {
            Certificate? chain = serverCertificate?.Certificate;
            if (chain is null || chain.IsEmpty || !owner._remoteFingerprint.Matches(chain.GetCertificateAt(0).GetEncoded()))
            {
                owner.FingerprintMismatch = true;
                throw new TlsFatalAlert(AlertDescription.bad_certificate);
            }
        }

        public TlsCredentials GetClientCredentials(CertificateRequest certificateRequest) =>
            DtlsCredentials.Signer(owner.m_context, (BcTlsCrypto)owner.Crypto, owner._certificate);
    }
}
