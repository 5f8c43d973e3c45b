using System.Collections.Concurrent;
using System.Security.Cryptography;
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

    /// <summary>At most this many idle OpenSSL key handles are kept for concurrent handshakes (the rest are disposed).</summary>
    private const int IdleSigningKeys = 8;

    private readonly ECParameters _signingKey;
    private readonly ConcurrentQueue<ECDsa> _idleSigningKeys = new();

    private DtlsCertificate(byte[] der, ECPrivateKeyParameters privateKey, ECPublicKeyParameters publicKey)
    {
        Der = der;
        Structure = X509CertificateStructure.GetInstance(der);
        PrivateKey = privateKey;
        Fingerprint = CertificateFingerprint.Sha256Of(der);
        Org.BouncyCastle.Math.EC.ECPoint q = publicKey.Q.Normalize();
        _signingKey = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = BigIntegers.AsUnsignedByteArray(32, privateKey.D),
            Q = new System.Security.Cryptography.ECPoint
            {
                X = q.AffineXCoord.GetEncoded(),
                Y = q.AffineYCoord.GetEncoded(),
            },
        };
    }

    public static DtlsCertificate Shared => s_shared.Value;

    public byte[] Der { get; }

    /// <summary><see cref="Der"/> parsed once: every handshake sends it (RFC 5246 §7.4.2), none needs to parse it again.</summary>
    internal X509CertificateStructure Structure { get; }

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
        return new DtlsCertificate(certificate.GetEncoded(), (ECPrivateKeyParameters)keyPair.Private,
            (ECPublicKeyParameters)keyPair.Public);
    }

    /// <summary>
    /// Signs a handshake hash with this certificate's key in OpenSSL (DER-encoded ECDSA, RFC 8422 §5.4): 28 µs against
    /// 135 µs in BouncyCastle. An OpenSSL key object is not documented as safe for concurrent use, so each concurrent
    /// handshake takes one from a small pool, and the key is imported once per pooled object, not per handshake.
    /// </summary>
    internal byte[] SignHash(ReadOnlySpan<byte> hash)
    {
        if (!_idleSigningKeys.TryDequeue(out ECDsa? key))
        {
            key = ECDsa.Create(_signingKey);
        }
        try
        {
            return key.SignHash(hash, DSASignatureFormat.Rfc3279DerSequence);
        }
        finally
        {
            if (_idleSigningKeys.Count < IdleSigningKeys)
            {
                _idleSigningKeys.Enqueue(key);
            }
            else
            {
                key.Dispose();
            }
        }
    }
}
