using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols.Codecs;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport.Buffers;
using Microsoft.Extensions.Time.Testing;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>
/// A publisher that sends a VP8 key frame only every 10 s (30 fps, key frames of 3 packets, delta frames of 1);
/// a subscriber that joins in between is sent the cached key frame at once, with continuous seq/timestamps.
/// </summary>
public class KeyFrameCacheTests
{
    private const uint PubSsrc = 0x1234;
    private const int FramesPerKeyFrame = 300; // 10 s at 30 fps
    private const uint FrameTicks = 3000;       // 90 kHz / 30 fps

    /// <summary>VP8 payload (RFC 7741 §4.2): X=1, S, PID 0; I=1 with a 15-bit PictureID; then the payload header (P bit).</summary>
    internal static byte[] Vp8(bool start, bool keyFrame, ushort pictureId, int size = 120)
    {
        var p = new byte[size];
        p[0] = (byte)(0x80 | (start ? 0x10 : 0));
        p[1] = 0x80;
        p[2] = (byte)(0x80 | ((pictureId >> 8) & 0x7F));
        p[3] = (byte)pictureId;
        p[4] = (byte)(keyFrame ? 0x00 : 0x01);
        for (int i = 5; i < size; i++) p[i] = (byte)(pictureId + i);
        return p;
    }

    private sealed class Publisher(Router router, MediaTransport transport, PacketPool pool, FakeTimeProvider time)
    {
        public ushort Seq = 40_000;
        public int Frame;
        public readonly List<(ushort Seq, uint Ts)> Sent = [];

        public void SendFrames(int count)
        {
            for (int i = 0; i < count; i++, Frame++)
            {
                bool key = Frame % FramesPerKeyFrame == 0;
                uint ts = 1_000_000u + (uint)Frame * FrameTicks;
                int packets = key ? 3 : 1;
                for (int k = 0; k < packets; k++)
                {
                    Sent.Add((Seq, ts));
                    Deliver(router, transport, Rtp(pool, PubSsrc, Seq++, ts, 96, Vp8(k == 0, key, (ushort)Frame), marker: k == packets - 1));
                }
                time.Advance(TimeSpan.FromMilliseconds(1000.0 / 30));
            }
        }
    }

    private static (Router, FakeTimeProvider, PacketPool, Publisher, Producer, CapturingSender PubSender) Setup(RouterOptions? options = null)
    {
        var (router, time, pool) = NewRouter(options ?? Quiet);
        var pubSender = new CapturingSender();
        var transport = router.CreateTransport("pub", pubSender);
        var producer = router.CreateProducer(transport, new ProducerOptions("v", MediaKind.Video, PubSsrc, [Vp8Codec]));
        return (router, time, pool, new Publisher(router, transport, pool, time), producer, pubSender);
    }

    private static readonly RtpCodec Vp8Codec = MediaTestKit.Vp8;

    private static bool IsKeyFrameStart(byte[] rtp) =>
        Vp8PayloadDescriptor.TryParse(rtp.AsSpan(12), out var d, out _) && d.IsKeyFrame;

    private static void AssertContinuous(List<byte[]> sent)
    {
        for (int i = 1; i < sent.Count; i++)
        {
            Assert.Equal((ushort)(Seq(sent[i - 1]) + 1), Seq(sent[i]));
            Assert.True((int)(Timestamp(sent[i]) - Timestamp(sent[i - 1])) >= 0, $"timestamp goes back at {i}");
        }
    }

    [Fact]
    public void LateSubscriber_GetsTheCachedKeyFrameAndFramesSinceAtOnce_ThenLiveSeamlessly()
    {
        var (router, time, pool, publisher, producer, pubSender) = Setup();
        publisher.SendFrames(15); // 0.5 s: key frame (3 packets) + 14 deltas cached
        Assert.True(producer.KeyFrameCache!.HasKeyFrame);
        Assert.Equal(17, producer.KeyFrameCache.Count);

        var subSender = new CapturingSender();
        var sub = router.CreateTransport("sub", subSender);
        var consumer = router.CreateConsumer(sub, producer, new ConsumerOptions("c", 0xA1));
        publisher.SendFrames(1); // the next live packet carries the cached run out ahead of it
        DrainAll(router);

        // Immediately: 17 cached + the live packet, starting with the key frame; no live delta skipped.
        Assert.Equal(18, subSender.Rtp.Count);
        Assert.True(IsKeyFrameStart(subSender.Rtp[0]));
        Assert.Equal(0, consumer.PacketsSkippedWaitingForKeyFrame);
        Assert.Equal(1, router.Counters.KeyFrameCacheReplays);

        publisher.SendFrames(30);
        DrainAll(router);
        Assert.Equal(48, subSender.Rtp.Count);
        AssertContinuous(subSender.Rtp);
        // Same spacing as the source: seq and timestamp offsets are constant across cached and live packets.
        for (int i = 0; i < subSender.Rtp.Count; i++)
        {
            var (seq, ts) = publisher.Sent[i];
            Assert.Equal((ushort)(seq - publisher.Sent[0].Seq), (ushort)(Seq(subSender.Rtp[i]) - Seq(subSender.Rtp[0])));
            Assert.Equal(ts - publisher.Sent[0].Ts, Timestamp(subSender.Rtp[i]) - Timestamp(subSender.Rtp[0]));
        }
        // The PLI for freshness was still sent when the consumer was created.
        Assert.Single(pubSender.Plis());
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void SubscriberJoiningLongAfterTheKeyFrame_GetsTheCachedFrames_ThenResumesSeamlesslyAtTheNextKeyFrame()
    {
        var (router, time, pool, publisher, producer, _) = Setup();
        publisher.SendFrames(90); // 3 s: the cache stopped at 1.5 s
        var subSender = new CapturingSender();
        var consumer = router.CreateConsumer(router.CreateTransport("sub", subSender), producer, new ConsumerOptions("c", 0xA1));
        publisher.SendFrames(1);
        DrainAll(router);

        // Key frame (3 packets) + deltas up to 1.5 s after it (45 frames), sent at once.
        Assert.Equal(48, subSender.Rtp.Count);
        Assert.True(IsKeyFrameStart(subSender.Rtp[0]));
        Assert.Equal(1, router.Counters.KeyFrameCacheReplays);

        publisher.SendFrames(FramesPerKeyFrame - 91 + 5); // up to the next key frame and 5 frames after
        DrainAll(router);
        Assert.Equal(48 + 3 + 4, subSender.Rtp.Count);
        Assert.True(IsKeyFrameStart(subSender.Rtp[48]));
        AssertContinuous(subSender.Rtp);
        // The jump to the live key frame advances the timestamp by the wall-clock time since the burst went out
        // (sent at 3 s, key frame at 10 s: about 7 s).
        Assert.InRange(Timestamp(subSender.Rtp[48]) - Timestamp(subSender.Rtp[47]), 6_900 * 90u, 7_100 * 90u);
        Assert.True(consumer.PacketsSkippedWaitingForKeyFrame > 0);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void ResumedConsumer_IsPrimedFromTheCache_WithoutASeqGap()
    {
        var (router, time, pool, publisher, producer, _) = Setup();
        var subSender = new CapturingSender();
        var consumer = router.CreateConsumer(router.CreateTransport("sub", subSender), producer, new ConsumerOptions("c", 0xA1));
        publisher.SendFrames(10);
        consumer.Pause();
        publisher.SendFrames(10);
        consumer.Resume();
        publisher.SendFrames(10);
        DrainAll(router);

        // 12 before the pause, then the cached run (key frame + 19 deltas = 22 packets), then 10 live.
        Assert.Equal(12 + 22 + 10, subSender.Rtp.Count);
        Assert.True(IsKeyFrameStart(subSender.Rtp[12]));
        AssertContinuous(subSender.Rtp);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void CacheDisabled_SubscriberWaitsForTheNextKeyFrame()
    {
        var (router, time, pool, publisher, producer, _) = Setup(Quiet with { KeyFrameCacheEnabled = false });
        publisher.SendFrames(15);
        var subSender = new CapturingSender();
        router.CreateConsumer(router.CreateTransport("sub", subSender), producer, new ConsumerOptions("c", 0xA1));
        publisher.SendFrames(30);
        DrainAll(router);

        Assert.Null(producer.KeyFrameCache);
        Assert.Empty(subSender.Rtp);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void KeyFrameWithAHole_CountsOnceRepaired_AndCacheReleasesEverything()
    {
        var pool = new PacketPool();
        var cache = new KeyFrameCache(300, TimeSpan.FromSeconds(1.5), 90_000);
        void Feed(ushort seq, bool start, bool key, bool marker)
        {
            var packet = Rtp(pool, PubSsrc, seq, 5000, 96, Vp8(start, key, 1), marker);
            Assert.True(RtpPacketView.TryParse(packet.Span, out var view, out _));
            cache.OnPacket(packet, view, start && key);
            packet.Release();
        }
        Feed(10, true, true, false);
        Feed(12, false, true, true); // 11 lost inside the key frame
        Assert.False(cache.HasKeyFrame);
        Assert.Equal(2, cache.Count);
        Feed(11, false, true, false); // late / RTX-repaired
        Feed(11, false, true, false); // duplicate: ignored
        Assert.True(cache.HasKeyFrame);
        Assert.Equal(3, cache.Count);

        Feed(20, true, true, false);
        Feed(21, false, true, true);
        Assert.True(cache.HasKeyFrame);
        Assert.Equal(2, pool.Outstanding);
        cache.Clear(close: true);
        Feed(30, true, true, true);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Av1_key_frames_are_recognised_so_a_late_subscriber_gets_the_cached_run()
    {
        var (router, time, pool) = NewRouter(new RouterOptions { StartSendLoops = false, RtcpReportInterval = TimeSpan.Zero });
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var producer = router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, PubSsrc, [new RtpCodec(45, "video/AV1", 90000)]));
        Assert.True(producer.CanGateOnKeyFrames);
        // AV1 RTP §4.4: N=1 W=2 (sequence header, then the key frame's frame OBU), then W=1 delta frames.
        byte[] key = [0x28, 0x03, 0x08, 0x00, 0x00, 0x30, 0x10, 0xAA];
        byte[] delta = [0x10, 0x30, 0x30, 0xBB];
        ushort seq = 500;
        for (int frame = 0; frame < 10; frame++)
        {
            Deliver(router, publisher, Rtp(pool, PubSsrc, seq++, (uint)(frame * 3000), 45, frame == 0 ? key : delta, marker: true));
            time.Advance(TimeSpan.FromMilliseconds(33));
        }
        Assert.Equal(1, producer.KeyFrames);
        Assert.True(producer.KeyFrameCache!.HasKeyFrame);

        var subSender = new CapturingSender();
        var consumer = router.CreateConsumer(router.CreateTransport("sub", subSender), producer, new ConsumerOptions("c", 0xA1));
        Deliver(router, publisher, Rtp(pool, PubSsrc, seq++, 30_000, 45, delta, marker: true));
        DrainAll(router);

        Assert.Equal(11, subSender.Rtp.Count);
        Assert.Equal(key, subSender.Rtp[0].AsSpan(12).ToArray());
        AssertContinuous(subSender.Rtp);
        Assert.Equal(0, consumer.PacketsSkippedWaitingForKeyFrame);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void KeyFrameStillArrivingWhenTheConsumerStarts_IsReplayedOnceWhole()
    {
        var (router, time, pool, publisher, producer, _) = Setup();
        publisher.SendFrames(60); // 2 s: the cache was cut at 1.5 s
        // A new key frame (after a PLI from someone else): its first packet is in before the consumer exists.
        uint ts = 1_000_000u + 60 * FrameTicks;
        ushort keySeq = publisher.Seq;
        Deliver(router, router.Transports[0], Rtp(pool, PubSsrc, publisher.Seq++, ts, 96, Vp8(true, true, 60)));
        var subSender = new CapturingSender();
        var consumer = router.CreateConsumer(router.CreateTransport("sub", subSender), producer, new ConsumerOptions("c", 0xA1));
        Deliver(router, router.Transports[0], Rtp(pool, PubSsrc, publisher.Seq++, ts, 96, Vp8(false, true, 60)));
        Deliver(router, router.Transports[0], Rtp(pool, PubSsrc, publisher.Seq++, ts, 96, Vp8(false, true, 60), marker: true));
        time.Advance(TimeSpan.FromMilliseconds(33));
        publisher.Frame = 61;
        publisher.SendFrames(5);
        DrainAll(router);

        // The two packets that went by while the key frame was incomplete come out of the cache with it.
        Assert.Equal(3 + 5, subSender.Rtp.Count);
        Assert.Equal(keySeq, Seq(subSender.Rtp[0]));
        Assert.True(IsKeyFrameStart(subSender.Rtp[0]));
        AssertContinuous(subSender.Rtp);
        Assert.Equal(2, consumer.PacketsSkippedWaitingForKeyFrame);
        AssertNoLeakAfterClose(router, pool);
    }
}
