using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities;
using Org.BouncyCastle.X509;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// The self-signed ECDSA P-256 certificate a DTLS-SRTP endpoint presents (RFC 8827 §6.5: WebRTC
/// authenticates certificates by the fingerprint exchanged in signaling, not by a CA). One is made
/// per process (<see cref="Shared"/>); tests may make more.
/// </summary>
public sealed class DtlsCertificate
{
    private static readonly Lazy<DtlsCertificate> s_shared = new(() => Generate("DigitalWeRoom.Sfu"));

    private DtlsCertificate(byte[] der, AsymmetricKeyParameter privateKey)
    {
        Der = der;
        PrivateKey = privateKey;
        Fingerprint = CertificateFingerprint.Sha256Of(der);
    }

    public static DtlsCertificate Shared => s_shared.Value;

    public byte[] Der { get; }

    public AsymmetricKeyParameter PrivateKey { get; }

    public CertificateFingerprint Fingerprint { get; }

    public static DtlsCertificate Generate(string commonName)
    {
        var random = new SecureRandom();
        var keyGenerator = new ECKeyPairGenerator();
        keyGenerator.Init(new ECKeyGenerationParameters(SecObjectIdentifiers.SecP256r1, random));
        AsymmetricCipherKeyPair keyPair = keyGenerator.GenerateKeyPair();

        var name = new X509Name("CN=" + commonName);
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(BigIntegers.CreateRandomInRange(BigInteger.One, BigInteger.One.ShiftLeft(63), random));
        generator.SetIssuerDN(name);
        generator.SetSubjectDN(name);
        generator.SetNotBefore(DateTime.UtcNow.AddDays(-1));
        generator.SetNotAfter(DateTime.UtcNow.AddDays(30));
        generator.SetPublicKey(keyPair.Public);
        X509Certificate certificate = generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", keyPair.Private, random));
        return new DtlsCertificate(certificate.GetEncoded(), keyPair.Private);
    }
}
