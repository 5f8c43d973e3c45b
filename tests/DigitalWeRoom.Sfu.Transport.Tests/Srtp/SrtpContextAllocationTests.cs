using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

/// <summary>The packet path allocates nothing (measured on the current thread after warm-up).</summary>
public sealed class SrtpContextAllocationTests
{
    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public void Protect_and_unprotect_allocate_nothing(string profileName, string backendName)
    {
        SrtpProtectionProfile profile = SrtpTestData.Profile(profileName);
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext sender = SrtpTestData.Context(profile, backend);
        using SrtpContext receiver = SrtpTestData.Context(profile, backend);
        byte[] rtp = SrtpTestData.Rtp(1, 0, 1200, out int rtpLength);
        byte[] rtcp = SrtpTestData.Rtcp(1, out int rtcpLength);
        byte[] rtpTemplate = (byte[])rtp.Clone();
        byte[] rtcpTemplate = (byte[])rtcp.Clone();

        RunPackets(sender, receiver, rtp, rtpTemplate, rtpLength, rtcp, rtcpTemplate, rtcpLength, 0, 100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RunPackets(sender, receiver, rtp, rtpTemplate, rtpLength, rtcp, rtcpTemplate, rtcpLength, 100, 1000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    private static void RunPackets(
        SrtpContext sender, SrtpContext receiver, byte[] rtp, byte[] rtpTemplate, int rtpLength,
        byte[] rtcp, byte[] rtcpTemplate, int rtcpLength, int from, int count)
    {
        for (int i = from; i < from + count; i++)
        {
            rtpTemplate.AsSpan().CopyTo(rtp);
            rtp[2] = (byte)(i >> 8);
            rtp[3] = (byte)i;
            if (!sender.TryProtectRtp(rtp, rtpLength, out int n) || !receiver.TryUnprotectRtp(rtp, n, out _, out _))
            {
                Assert.Fail($"rtp {i}");
            }

            rtcpTemplate.AsSpan().CopyTo(rtcp);
            if (!sender.TryProtectRtcp(rtcp, rtcpLength, out n) || !receiver.TryUnprotectRtcp(rtcp, n, out _, out _))
            {
                Assert.Fail($"rtcp {i}");
            }
        }
    }
}
