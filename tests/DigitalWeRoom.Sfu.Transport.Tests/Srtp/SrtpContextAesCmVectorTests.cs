using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

/// <summary>
/// Whole-packet AES_CM_128_HMAC_SHA1_80 known answers: the reference packets that libsrtp's own driver validates
/// against (master key/salt of RFC 3711 B.3, SSRC 0xcafebabe, SEQ 0x1234, SRTCP index 1). They pin key
/// derivation, the §4.1.1 IV, HMAC over packet || ROC and the SRTCP trailer layout together, independently of
/// our own round trips.
/// </summary>
public sealed class SrtpContextAesCmVectorTests
{
    private const string Rtp = "800f1234decafbadcafebabe" + "abababababababababababababababab";
    private const string Srtp = "800f1234decafbadcafebabe" + "4e55dc4ce79978d88ca4d215949d2402" + "b78d6acc99ea179b8dbb";
    private const string Rtcp = "81c8000bcafebabe" + "abababababababababababababababab";
    private const string Srtcp = "81c8000bcafebabe" + "7128035be487b9bdbef89041f977a5a8" + "80000001" + "993e08cd54d6c1230798";

    [Theory]
    [MemberData(nameof(SrtpTestData.BackendData), MemberType = typeof(SrtpTestData))]
    public void Protect_rtp_matches_reference(string backendName)
    {
        using SrtpContext context = NewContext(backendName);
        SrtpTestData.AssertProtects(context, rtcp: false, Rtp, Srtp);
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.BackendData), MemberType = typeof(SrtpTestData))]
    public void Unprotect_rtp_matches_reference(string backendName)
    {
        using SrtpContext context = NewContext(backendName);
        SrtpTestData.AssertUnprotects(context, rtcp: false, Srtp, Rtp);
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.BackendData), MemberType = typeof(SrtpTestData))]
    public void Protect_rtcp_matches_reference(string backendName)
    {
        using SrtpContext context = NewContext(backendName);

        // Our first SRTCP packet carries index 0 (RFC 3711 §3.4); the reference packet is the second one.
        byte[] first = SrtpTestData.FromHex(Rtcp, out int length);
        Assert.True(context.TryProtectRtcp(first, length, out _));
        SrtpTestData.AssertProtects(context, rtcp: true, Rtcp, Srtcp);
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.BackendData), MemberType = typeof(SrtpTestData))]
    public void Unprotect_rtcp_matches_reference(string backendName)
    {
        using SrtpContext context = NewContext(backendName);
        SrtpTestData.AssertUnprotects(context, rtcp: true, Srtcp, Rtcp);
    }

    private static SrtpContext NewContext(string backendName) =>
        SrtpContext.Create(
            SrtpProtectionProfile.Aes128CmHmacSha1_80,
            SrtpTestData.MasterKey,
            SrtpTestData.MasterSalt14,
            SrtpTestData.Backend(backendName));
}
