using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Tests.Shared;
using DigitalWeRoom.Sfu.Transport.Dtls;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;
using Org.BouncyCastle.X509;

namespace DigitalWeRoom.Sfu.Transport.Tests.Dtls;

/// <summary>
/// The handshake's public-key work in OpenSSL (<see cref="DtlsCrypto"/>): it shakes hands with BouncyCastle alone,
/// an independent implementation, in both roles, and refuses bad signatures without throwing.
/// </summary>
public class DtlsOpenSslCryptoTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(20);

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task Each_side_agrees_on_the_same_SRTP_keys_whichever_crypto_the_other_uses(bool serverOpenSsl, bool clientOpenSsl)
    {
        using var pair = InMemoryDtlsPair.Start(serverOpenSsl, clientOpenSsl);
        DtlsSrtpResult? server = await pair.ServerOutcome.Settled.WaitAsync(Settle);
        DtlsSrtpResult? client = await pair.ClientOutcome.Settled.WaitAsync(Settle);

        Assert.NotNull(server);
        Assert.NotNull(client);
        Assert.Equal(server.Profile, client.Profile);
        Assert.Equal(server.CipherSuite, client.CipherSuite);
        Assert.Equal(server.KeyingMaterial, client.KeyingMaterial);
        Assert.Equal(server.NamedGroup, client.NamedGroup);
        // The ECDHE stays BouncyCastle's: the client's first curve, X25519 (as Chromium and Firefox list it).
        Assert.Equal(NamedGroup.x25519, server.NamedGroup);
    }

    [Fact]
    public void Our_signature_verifies_under_BouncyCastle_with_the_certificate_key()
    {
        DtlsCertificate certificate = DtlsCertificate.Generate("signer");
        byte[] hash = SHA256.HashData("server key exchange params"u8);
        byte[] signature = certificate.SignHash(hash);

        var publicKey = (ECPublicKeyParameters)new X509CertificateParser().ReadCertificate(certificate.Der).GetPublicKey();
        var verifier = new DsaDigestSigner(new ECDsaSigner(), new Org.BouncyCastle.Crypto.Digests.NullDigest());
        verifier.Init(false, publicKey);
        verifier.BlockUpdate(hash, 0, hash.Length);
        Assert.True(verifier.VerifySignature(signature));

        hash[0] ^= 1;
        verifier.Init(false, publicKey);
        verifier.BlockUpdate(hash, 0, hash.Length);
        Assert.False(verifier.VerifySignature(signature));
    }

    [Fact]
    public async Task Concurrent_handshakes_sign_with_pooled_keys_and_every_signature_verifies()
    {
        DtlsCertificate certificate = DtlsCertificate.Generate("concurrent");
        var peer = new DtlsPeerCertificate(new BcTlsCrypto(new SecureRandom()), certificate.Der);
        TlsVerifierCheck check = new(peer);
        byte[][] hashes = Enumerable.Range(0, 64).Select(i => SHA256.HashData(BitConverter.GetBytes(i))).ToArray();

        byte[][] signatures = await Task.WhenAll(hashes.Select(h => Task.Run(() => certificate.SignHash(h))));

        for (int i = 0; i < hashes.Length; i++)
        {
            Assert.True(check.Verify(hashes[i], signatures[i]), $"signature {i}");
        }
    }

    [Fact]
    public void The_peer_signature_check_refuses_a_changed_hash_or_a_malformed_signature_without_throwing()
    {
        DtlsCertificate certificate = DtlsCertificate.Generate("peer");
        var check = new TlsVerifierCheck(new DtlsPeerCertificate(new BcTlsCrypto(new SecureRandom()), certificate.Der));
        byte[] hash = SHA256.HashData("certificate verify"u8);
        byte[] signature = certificate.SignHash(hash);
        Assert.True(check.Verify(hash, signature));

        byte[] otherHash = (byte[])hash.Clone();
        otherHash[^1] ^= 0x80;
        Assert.False(check.Verify(otherHash, signature));

        byte[] flipped = (byte[])signature.Clone();
        flipped[^1] ^= 1;
        Assert.False(check.Verify(hash, flipped));
        Assert.False(check.Verify(hash, signature[..^3]));
        Assert.False(check.Verify(hash, []));
        Assert.False(check.Verify(hash, new byte[72]));
        Assert.False(check.Verify(hash, [0x30, 0x81, 0xff, 0x02, 0x01]));
    }

    [Fact]
    public void A_verifier_checks_one_signature_and_then_refuses()
    {
        DtlsCertificate certificate = DtlsCertificate.Generate("once");
        var peer = new DtlsPeerCertificate(new BcTlsCrypto(new SecureRandom()), certificate.Der);
        byte[] hash = SHA256.HashData("once"u8);
        var signed = new DigitallySigned(new SignatureAndHashAlgorithm(Org.BouncyCastle.Tls.HashAlgorithm.sha256, SignatureAlgorithm.ecdsa),
            certificate.SignHash(hash));
        var verifier = peer.CreateVerifier(SignatureAlgorithm.ecdsa);
        Assert.True(verifier.VerifyRawSignature(signed, hash));
        Assert.False(verifier.VerifyRawSignature(signed, hash));
        Assert.True(peer.CreateVerifier(SignatureAlgorithm.ecdsa).VerifyRawSignature(signed, hash));
    }

    [Fact]
    public void A_verifier_refuses_a_signature_that_names_another_algorithm()
    {
        DtlsCertificate certificate = DtlsCertificate.Generate("rsa-named");
        var peer = new DtlsPeerCertificate(new BcTlsCrypto(new SecureRandom()), certificate.Der);
        byte[] hash = SHA256.HashData("x"u8);
        var signed = new DigitallySigned(new SignatureAndHashAlgorithm(Org.BouncyCastle.Tls.HashAlgorithm.sha256, SignatureAlgorithm.rsa),
            certificate.SignHash(hash));
        var alert = Assert.Throws<TlsFatalAlert>(() => peer.CreateVerifier(SignatureAlgorithm.ecdsa).VerifyRawSignature(signed, hash));
        Assert.Equal(AlertDescription.internal_error, alert.AlertDescription);
    }

    [Fact]
    public void The_peer_signature_check_is_OpenSsl_for_P256_and_BouncyCastle_otherwise()
    {
        var crypto = new BcTlsCrypto(new SecureRandom());
        DtlsCertificate p256 = DtlsCertificate.Generate("p256");
        Assert.IsType<DtlsEcdsaVerifier>(new DtlsPeerCertificate(crypto, p256.Der).CreateVerifier(SignatureAlgorithm.ecdsa));

        using var rsa = RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
            "CN=rsa", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        byte[] rsaDer = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)).RawData;
        Assert.IsNotType<DtlsEcdsaVerifier>(new DtlsPeerCertificate(crypto, rsaDer).CreateVerifier(SignatureAlgorithm.rsa));

        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var request384 = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=p384", p384, HashAlgorithmName.SHA384);
        byte[] p384Der = request384.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)).RawData;
        Assert.IsNotType<DtlsEcdsaVerifier>(new DtlsPeerCertificate(crypto, p384Der).CreateVerifier(SignatureAlgorithm.ecdsa));
    }

    /// <summary>Calls a certificate's ECDSA verifier the way BouncyCastle's handshake does: digest and DER signature.</summary>
    private sealed class TlsVerifierCheck(DtlsPeerCertificate certificate)
    {
        private static readonly SignatureAndHashAlgorithm s_algorithm = new(Org.BouncyCastle.Tls.HashAlgorithm.sha256, SignatureAlgorithm.ecdsa);

        public bool Verify(byte[] hash, byte[] signature) =>
            certificate.CreateVerifier(SignatureAlgorithm.ecdsa).VerifyRawSignature(new DigitallySigned(s_algorithm, signature), hash);
    }
}
