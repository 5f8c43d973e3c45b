using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// BouncyCastle's TLS crypto with the handshake's ECDSA in OpenSSL: the check of the peer's P-256 signature
/// (<see cref="DtlsPeerCertificate"/>) and, through <see cref="DtlsEcdsaSigner"/>, our own. BouncyCastle keeps the
/// protocol, the record layer, the PRF and the ECDHE, where its X25519 costs less than P-256 through OpenSSL's .NET
/// binding (docs/benchmarks.md, "DTLS handshakes"). A handshake of both sides takes 2.1 ms against 2.8 ms and
/// allocates 178 KB against 676 KB. With <c>openSsl</c> false it is BouncyCastle alone (the fallback, and an
/// independent implementation for tests). Either way it notes the curve the ECDHE used.
/// </summary>
internal sealed class DtlsCrypto(SecureRandom random, bool openSsl) : BcTlsCrypto(random)
{
    public bool OpenSsl => openSsl;

    /// <summary>The NamedCurve of this handshake's ECDHE (RFC 8422 §5.1.1), -1 before the key exchange.</summary>
    public int NamedGroup { get; private set; } = -1;

    public override TlsCertificate CreateCertificate(short type, byte[] encoding) =>
        openSsl && type == CertificateType.X509 ? new DtlsPeerCertificate(this, encoding) : base.CreateCertificate(type, encoding);

    public override TlsECDomain CreateECDomain(TlsECConfig ecConfig)
    {
        NamedGroup = ecConfig.NamedGroup;
        return base.CreateECDomain(ecConfig);
    }
}
