using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// Our certificate as TLS credentials whose ECDSA signatures (the ServerKeyExchange of RFC 8422 §5.4, the
/// CertificateVerify of RFC 5246 §7.4.8) are made in OpenSSL by <see cref="DtlsCertificate.SignHash"/>. BouncyCastle
/// hashes the signed data and hands over the digest, because no stream signer is offered.
/// </summary>
internal sealed class DtlsEcdsaSigner(DtlsCertificate certificate, Certificate chain) : TlsCredentialedSigner
{
    private static readonly SignatureAndHashAlgorithm s_ecdsaSha256 = new(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa);

    public Certificate Certificate => chain;

    public SignatureAndHashAlgorithm SignatureAndHashAlgorithm => s_ecdsaSha256;

    public byte[] GenerateRawSignature(byte[] hash) => certificate.SignHash(hash);

    public TlsStreamSigner? GetStreamSigner() => null;
}
