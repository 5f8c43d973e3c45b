using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

/// <summary>
/// RFC 7714 §16.1.1 (SRTP) and §17.1 / §17.3 (SRTCP) AEAD_AES_128_GCM vectors. They are stated with session
/// key and salt, so the context is built below key derivation.
/// </summary>
public sealed class SrtpContextRfc7714Tests
{
    private static readonly byte[] Key = Convert.FromHexString("000102030405060708090a0b0c0d0e0f");
    private static readonly byte[] Salt = Convert.FromHexString("517569642070726f2071756f");

    // SSRC 0x5501a0b2, SEQ 0xf17b, ROC 0; payload "Gallia est omnis divisa in partes tres".
    private const string Rtp =
        "8040f17b8041f8d35501a0b2" + "47616c6c696120657374206f6d6e69732064697669736120696e207061727465732074726573";

    // §16.1.1: ciphertext followed by the 16-byte tag.
    private const string Srtp =
        "8040f17b8041f8d35501a0b2" + "f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833"
        + "899d7f27beb16a9152cf765ee4390cce";

    // §17: sender SSRC "Mars" (0x4d617273), SRTCP index 0x5d4.
    private const string Rtcp =
        "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadbeefdeadbeef";

    // §17.1: header | ciphertext | tag | E·index.
    private const string Srtcp =
        "81c8000d4d617273" + "63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b46"
        + "86303ded0bb9275bc84aa45896cf4d2fc5" + "abf87245d9eade" + "800005d4";

    // §17.3: authenticated only (E = 0): packet | tag | index.
    private const string SrtcpTagOnly = Rtcp + "841dd9683dd78ec92ae58790125f62b3" + "000005d4";

    private const int SrtcpIndex = 0x5d4;

    [Theory]
    [MemberData(nameof(SrtpTestData.BackendData), MemberType = typeof(SrtpTestData))]
    public void Rfc7714_16_1_1_protect_rtp(string backendName)
    {
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext context = NewContext(backend);
        SrtpTestData.AssertProtects(context, rtcp: false, Rtp, Srtp);
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.BackendData), MemberType = typeof(SrtpTestData))]
    public void Rfc7714_16_1_2_unprotect_rtp(string backendName)
    {
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext context = NewContext(backend);
        SrtpTestData.AssertUnprotects(context, rtcp: false, Srtp, Rtp);
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.BackendData), MemberType = typeof(SrtpTestData))]
    public void Rfc7714_16_1_2_wrong_tag_fails(string backendName)
    {
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext context = NewContext(backend);
        byte[] buffer = SrtpTestData.FromHex(Srtp, out int length);
        buffer[length - 1] ^= 0x01;
        Assert.False(context.TryUnprotectRtp(buffer, length, out _, out DropReason reason));
        Assert.Equal(DropReason.SrtpAuthFailed, reason);
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.BackendData), MemberType = typeof(SrtpTestData))]
    public void Rfc7714_17_1_protect_rtcp(string backendName)
    {
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext context = NewContext(backend);

        // The sender's index counts from 0 per SSRC; advance it to the vector's index.
        for (int i = 0; i < SrtcpIndex; i++)
        {
            byte[] scratch = SrtpTestData.FromHex(Rtcp, out int n);
            Assert.True(context.TryProtectRtcp(scratch, n, out _));
        }

        SrtpTestData.AssertProtects(context, rtcp: true, Rtcp, Srtcp);
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.BackendData), MemberType = typeof(SrtpTestData))]
    public void Rfc7714_17_2_unprotect_rtcp(string backendName)
    {
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext context = NewContext(backend);
        SrtpTestData.AssertUnprotects(context, rtcp: true, Srtcp, Rtcp);

        // The same packet again is a replay of index 0x5d4.
        byte[] buffer = SrtpTestData.FromHex(Srtcp, out int length);
        Assert.False(context.TryUnprotectRtcp(buffer, length, out _, out DropReason reason));
        Assert.Equal(DropReason.SrtpReplay, reason);
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.BackendData), MemberType = typeof(SrtpTestData))]
    public void Rfc7714_17_3_unprotect_authenticated_only_rtcp(string backendName)
    {
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext context = NewContext(backend);
        SrtpTestData.AssertUnprotects(context, rtcp: true, SrtcpTagOnly, Rtcp);

        using SrtpContext fresh = NewContext(backend);
        byte[] buffer = SrtpTestData.FromHex(SrtcpTagOnly, out int length);
        buffer[20] ^= 0x80; // Any change in the clear payload must fail authentication.
        Assert.False(fresh.TryUnprotectRtcp(buffer, length, out _, out DropReason reason));
        Assert.Equal(DropReason.SrtpAuthFailed, reason);
    }

    private static SrtpContext NewContext(SrtpCryptoBackend backend)
    {
        var keys = new SrtpSessionKeys(Key, Salt, []);
        return SrtpContext.FromSessionKeys(SrtpProtectionProfile.AeadAes128Gcm, keys, keys, backend);
    }
}
