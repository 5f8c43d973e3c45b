using System.Security.Cryptography;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// Checks the peer's ECDSA P-256 signature over a handshake digest in OpenSSL. BouncyCastle's check of a key it has not
/// seen before builds the point's multiplication tables first; in a whole handshake the OpenSSL check saves more than
/// the signing does (docs/benchmarks.md, "DTLS handshakes"). The signature is the DER <c>ECDSA-Sig-Value</c> of RFC 8422 §5.4; a malformed one fails the check
/// (BouncyCastle then sends decrypt_error), it never throws. BouncyCastle makes one verifier per signature it checks,
/// so the OpenSSL key is released after that one check instead of waiting for a finalizer.
/// </summary>
internal sealed class DtlsEcdsaVerifier(ECDsa publicKey) : TlsVerifier
{
    private bool _used;

    public TlsStreamVerifier? GetStreamVerifier(DigitallySigned digitallySigned) => null;

    public bool VerifyRawSignature(DigitallySigned digitallySigned, byte[] hash)
    {
        // DTLS 1.2 always names the algorithm (RFC 5246 §4.7); anything but ECDSA here is a caller's error.
        if (digitallySigned.Algorithm is null || digitallySigned.Algorithm.Signature != SignatureAlgorithm.ecdsa)
        {
            throw new TlsFatalAlert(AlertDescription.internal_error);
        }
        if (_used)
        {
            return false;
        }
        _used = true;
        try
        {
            return publicKey.VerifyHash(hash, digitallySigned.Signature, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
        finally
        {
            publicKey.Dispose();
        }
    }
}
