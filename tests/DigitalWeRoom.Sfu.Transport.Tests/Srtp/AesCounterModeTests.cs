using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

public sealed class AesCounterModeTests
{
    // RFC 3711 Appendix B.2: session key, and the IV for SSRC 0, index 0 is the (already shifted) salt.
    private static readonly byte[] SessionKey = Convert.FromHexString("2B7E151628AED2A6ABF7158809CF4F3C");
    private static readonly byte[] Iv = Convert.FromHexString("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000");

    [Theory]
    [MemberData(nameof(SrtpTestData.BackendData), MemberType = typeof(SrtpTestData))]
    public void Rfc3711_B2_keystream_segment(string backendName)
    {
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using AesCounterMode ctr = AesCounterMode.Create(SessionKey, backend);
        var keystream = new byte[1044512]; // 65282 blocks, as in the RFC.
        ctr.Transform(Iv, keystream);

        Assert.Equal("E03EAD0935C95E80E166B16DD92B4EB4", Block(keystream, 0x0000));
        Assert.Equal("D23513162B02D0F72A43A2FE4A5F97AB", Block(keystream, 0x0001));
        Assert.Equal("41E95B3BB0A2E8DD477901E4FCA894C0", Block(keystream, 0x0002));
        Assert.Equal("EC8CDF7398607CB0F2D21675EA9EA1E4", Block(keystream, 0xFEFF));
        Assert.Equal("362B7C3C6773516318A077D7FC5073AE", Block(keystream, 0xFF00));
        Assert.Equal("6A2CC3787889374FBEB4C81B17BA6C44", Block(keystream, 0xFF01));
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.BackendData), MemberType = typeof(SrtpTestData))]
    public void Unaligned_lengths_match_the_prefix_of_the_full_keystream(string backendName)
    {
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using AesCounterMode ctr = AesCounterMode.Create(SessionKey, backend);
        var full = new byte[1100];
        ctr.Transform(Iv, full);
        foreach (int n in new[] { 1, 15, 17, 511, 512, 513, 1099 })
        {
            var part = new byte[n];
            ctr.Transform(Iv, part);
            Assert.Equal(full[..n], part);
        }
    }

    [Fact]
    public void Rfc3711_B2_through_the_srtp_iv_formation()
    {
        // SSRC 0, ROC 0, SEQ 0 with the B.2 key and salt: the payload of zeros becomes the keystream.
        var keys = new SrtpSessionKeys(SessionKey, Iv[..14], new byte[20]);
        foreach (SrtpCryptoBackend backend in SrtpTestData.Backends())
        {
            using SrtpContext context = SrtpContext.FromSessionKeys(SrtpProtectionProfile.Aes128CmHmacSha1_80, keys, keys, backend);
            var packet = new byte[12 + 48 + SrtpContext.MaxOverhead];
            packet[0] = 0x80;
            Assert.True(context.TryProtectRtp(packet, 60, out int protectedLength));
            Assert.Equal(70, protectedLength);
            Assert.Equal(
                "E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA894C0",
                Convert.ToHexString(packet, 12, 48));
        }
    }

    private static string Block(byte[] keystream, int j) => Convert.ToHexString(keystream, j * 16, 16);
}
