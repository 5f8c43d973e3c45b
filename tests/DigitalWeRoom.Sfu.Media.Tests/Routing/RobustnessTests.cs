using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>Random, truncated and bit-flipped RTP/RTCP through the router: no exception, no leak, every drop has a reason.</summary>
public class RobustnessTests
{
    [Fact]
    public void MutatedRtpAndRtcp_NeverThrow_NeverLeak_EveryRejectionHasReason()
    {
        var (router, time, pool) = NewRouter();
        var pubSender = new CapturingSender();
        var publisher = router.CreateTransport("pub", pubSender, new RtpHeaderExtensionIds(Mid: 1, RtpStreamId: 2, RepairedRtpStreamId: 3));
        var video = router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, 0x1234, [Vp8, new RtpCodec(102, "video/H264", 90000)]) { Mid = "0" });
        router.CreateProducer(publisher, new ProducerOptions("s", MediaKind.Video, 0, [Vp8]) { Mid = "1", Rid = "h" });
        var sub = router.CreateTransport("sub", new CountingSender());
        router.CreateConsumer(sub, video, new ConsumerOptions("c", 0x9999));

        var valid = Rtp(pool, 0x1234, 10, 1000, 96, Vp8Payload(true, 60), extensionBlock: OneByteExtensions((1, "1"u8.ToArray()), (2, "h"u8.ToArray())));
        byte[] rtpSeed = valid.Span.ToArray();
        valid.Release();
        byte[] rtcpSeed = [
            0x80, 200, 0, 6, 0, 0, 0x12, 0x34, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3,
            0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0x99, 0x99,
            0x84, 206, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x99, 0x99, 1, 0, 0, 0,
            0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0x99, 0x99, 0, 10, 0, 0];

        var random = new Random(20261124);
        var buffer = new byte[1400];
        long rtpRejected = 0;
        long rtcpRejected = 0;
        for (int i = 0; i < 100_000; i++)
        {
            bool rtcp = (i & 1) == 1;
            var seed = rtcp ? rtcpSeed : rtpSeed;
            int length = Mutate(random, seed, buffer);
            var packet = pool.Rent();
            buffer.AsSpan(0, length).CopyTo(packet.Buffer);
            packet.Length = length;
            long dropsBefore = router.Counters.Drops.Total;
            if (rtcp)
            {
                publisher.OnRtcp(packet);
                sub.OnRtcp(packet);
                if (!RtcpCompoundReader.Validate(packet.Span, out _))
                {
                    rtcpRejected++;
                    Assert.Equal(dropsBefore + 2, router.Counters.Drops.Total); // once per transport
                }
            }
            else
            {
                router.OnRtp(publisher, packet);
                if (!RtpPacketView.TryParse(packet.Span, out var view, out var reason))
                {
                    rtpRejected++;
                    Assert.NotEqual(DropReason.None, reason);
                    Assert.Equal(dropsBefore + 1, router.Counters.Drops.Total);
                }
                else
                {
                    _ = KeyFrameDetector.IsKeyFrame(CodecKind.H264, view.Payload);
                    _ = KeyFrameDetector.IsKeyFrame(CodecKind.Vp9, view.Payload);
                }
            }
            packet.Release();
            if (i % 64 == 0)
            {
                DrainAll(router);
                time.Advance(TimeSpan.FromMilliseconds(50));
            }
        }
        DrainAll(router);

        Assert.True(rtpRejected > 1_000, $"only {rtpRejected} RTP rejections: mutations too mild");
        Assert.True(rtcpRejected > 1_000, $"only {rtcpRejected} RTCP rejections");
        AssertNoLeakAfterClose(router, pool);
    }

    private static int Mutate(Random random, byte[] seed, byte[] dest)
    {
        switch (random.Next(4))
        {
            case 0: // truncate
                int cut = random.Next(seed.Length + 1);
                seed.AsSpan(0, cut).CopyTo(dest);
                return cut;
            case 1: // random bytes, keeping the version bits most of the time
                int len = random.Next(0, 200);
                random.NextBytes(dest.AsSpan(0, len));
                if (len > 0 && random.Next(4) != 0) dest[0] = (byte)(0x80 | (dest[0] & 0x3F));
                return len;
            default: // bit flips
                seed.CopyTo(dest, 0);
                int flips = 1 + random.Next(6);
                for (int f = 0; f < flips; f++)
                {
                    int bit = random.Next(seed.Length * 8);
                    dest[bit / 8] ^= (byte)(1 << (bit % 8));
                }
                return seed.Length;
        }
    }
}
