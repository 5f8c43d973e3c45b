using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>Our ECDSA certificate as BouncyCastle TLS credentials, for both roles.</summary>
internal static class DtlsCredentials
{
    /// <summary>Signs in OpenSSL under <see cref="DtlsCrypto"/>, in BouncyCastle under its plain crypto.</summary>
    public static TlsCredentialedSigner Signer(TlsContext context, BcTlsCrypto crypto, DtlsCertificate certificate) =>
        crypto is DtlsCrypto { OpenSsl: true }
            ? new DtlsEcdsaSigner(certificate, new Certificate([new BcTlsCertificate(crypto, certificate.Structure)]))
            : new BcDefaultTlsCredentialedSigner(
            new TlsCryptoParameters(context),
            crypto,
            certificate.PrivateKey,
            new Certificate([new BcTlsCertificate(crypto, certificate.Structure)]),
            new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa));

    /// <summary>RFC 5763 §5: the server must request the client's certificate.</summary>
    public static CertificateRequest CertificateRequest() =>
        new(
            [ClientCertificateType.ecdsa_sign, ClientCertificateType.rsa_sign],
            [
                new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.ecdsa),
                new SignatureAndHashAlgorithm(HashAlgorithm.sha256, SignatureAlgorithm.rsa),
                new SignatureAndHashAlgorithm(HashAlgorithm.sha384, SignatureAlgorithm.ecdsa),
            ],
            null);
}
