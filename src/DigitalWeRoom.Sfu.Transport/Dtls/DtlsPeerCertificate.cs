using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// The peer's certificate from its Certificate message. BouncyCastle parses it and checks its key usage as before;
/// only an ECDSA signature by a P-256 key with an uncompressed point, which is what browsers present (RFC 8827 §6.5),
/// is checked by <see cref="DtlsEcdsaVerifier"/> in OpenSSL. Any other key is left to BouncyCastle.
/// </summary>
internal sealed class DtlsPeerCertificate(BcTlsCrypto crypto, byte[] encoding) : BcTlsCertificate(crypto, encoding)
{
    /// <summary>An uncompressed P-256 point: 0x04, X, Y (SEC 1 §2.3.3).</summary>
    private const int UncompressedP256Length = 65;

    public override TlsVerifier CreateVerifier(short signatureAlgorithm)
    {
        if (signatureAlgorithm != SignatureAlgorithm.ecdsa || !TryP256Key(out ECParameters key))
        {
            return base.CreateVerifier(signatureAlgorithm);
        }
        ValidateKeyUsage(KeyUsage.DigitalSignature);
        try
        {
            return new DtlsEcdsaVerifier(ECDsa.Create(key));
        }
        catch (CryptographicException e)
        {
            // OpenSSL refuses a point that is not on the curve.
            throw new TlsFatalAlert(AlertDescription.bad_certificate, e);
        }
    }

    private bool TryP256Key(out ECParameters key)
    {
        key = default;
        SubjectPublicKeyInfo info = SubjectPublicKeyInfo;
        if (!X9ObjectIdentifiers.IdECPublicKey.Equals(info.Algorithm.Algorithm)
            || info.Algorithm.Parameters is not DerObjectIdentifier curve
            || !SecObjectIdentifiers.SecP256r1.Equals(curve))
        {
            return false;
        }
        byte[] point = info.PublicKey.GetOctets();
        if (point.Length != UncompressedP256Length || point[0] != 0x04)
        {
            return false;
        }
        key = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new System.Security.Cryptography.ECPoint { X = point[1..33], Y = point[33..] },
        };
        return true;
    }
}
