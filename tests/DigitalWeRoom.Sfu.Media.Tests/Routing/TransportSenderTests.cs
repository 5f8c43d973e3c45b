using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Buffers;
using Microsoft.Extensions.Time.Testing;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>The send path of one subscriber: inline sends, the queue behind them, and the pacer.</summary>
public sealed class TransportSenderTests
{
    private const uint PublisherSsrc = 9;

    private sealed class Setup
    {
        public Setup(RouterOptions options)
        {
            // The pacer alone: a REMB below the video's rate would otherwise pause it (BandwidthPauseTests).
            (Router, Time, Pool) = NewRouter(options with { PauseVideoForBandwidth = false });
            Publisher = Router.CreateTransport("pub", new CapturingSender());
            Producer = Router.CreateProducer(Publisher, new ProducerOptions("v", MediaKind.Video, PublisherSsrc, [Vp8]));
            Subscriber = Router.CreateTransport("sub", SubSender);
            Router.CreateConsumer(Subscriber, Producer, new ConsumerOptions("c", 99));
        }

        public Router Router { get; }

        public FakeTimeProvider Time { get; }

        public PacketPool Pool { get; }

        public MediaTransport Publisher { get; }

        public Producer Producer { get; }

        public MediaTransport Subscriber { get; }

        public CapturingSender SubSender { get; } = new();

        private int _seq;

        /// <summary>A key frame of <paramref name="packets"/> packets of <paramref name="payloadBytes"/>, delivered at once.</summary>
        public void KeyFrameBurst(int packets, int payloadBytes)
        {
            for (int i = 0; i < packets; i++)
            {
                var payload = Vp8Payload(keyFrame: i == 0, payloadBytes);
                Deliver(Router, Publisher, Rtp(Pool, PublisherSsrc, (ushort)_seq++, 90_000, 96, payload, marker: i == packets - 1));
            }
        }

        /// <summary>
        /// 200-byte delta packets every 10 ms for <paramref name="milliseconds"/> (~170 kbit/s), so the sender has
        /// measured the rate media arrives at; returns how many the subscriber got meanwhile.
        /// </summary>
        public int Steady(int milliseconds)
        {
            for (int ms = 0; ms < milliseconds; ms += 10)
            {
                // The consumer starts forwarding at a key frame.
                Deliver(Router, Publisher, Rtp(Pool, PublisherSsrc, (ushort)_seq++, 90_000, 96, Vp8Payload(keyFrame: _seq == 1, 200)));
                Time.Advance(TimeSpan.FromMilliseconds(10));
            }
            return SubSender.Rtp.Count;
        }

        public void Remb(ulong bitsPerSecond)
        {
            long micros = Time.GetTimestamp() * 1_000_000 / Time.TimestampFrequency;
            Subscriber.Bandwidth.OnRemb(bitsPerSecond, micros);
        }
    }

    [Fact]
    public void Inline_SendsOnTheCallingThread_WithoutQueueing()
    {
        var s = new Setup(Quiet with { InlineSend = true });
        s.KeyFrameBurst(5, 500);
        Assert.Equal(5, s.SubSender.Rtp.Count);
        Assert.Equal(0, s.Subscriber.Outbound.QueuedCount);
        Assert.Equal([0, 1, 2, 3, 4], s.SubSender.Rtp.Select(p => (int)Seq(p) - Seq(s.SubSender.Rtp[0])));
        AssertNoLeakAfterClose(s.Router, s.Pool);
    }

    [Fact]
    public void Inline_BehindABacklog_SendsItOnTheCallingThread_InOrder_WithoutTheSendLoop()
    {
        // No send loop runs (Quiet): as when the thread pool that runs it is kept busy by a storm of joins.
        var s = new Setup(Quiet with { InlineSend = true });
        var path = s.Subscriber.Outbound.Path;
        Assert.True(path.TryAcquireBusy()); // a timer's item is being sent on another thread
        s.KeyFrameBurst(5, 500);
        Assert.Empty(s.SubSender.Rtp);
        Assert.Equal(5, s.Subscriber.Outbound.QueuedCount);
        path.ReleaseBusy();

        s.KeyFrameBurst(1, 500); // the next packet takes the backlog with it, behind it
        Assert.Equal(0, s.Subscriber.Outbound.QueuedCount);
        Assert.Equal([0, 1, 2, 3, 4, 5], s.SubSender.Rtp.Select(p => (int)Seq(p) - Seq(s.SubSender.Rtp[0])));
        AssertNoLeakAfterClose(s.Router, s.Pool);
    }

    [Fact]
    public void Queued_WaitsForTheSendLoop_WhenInlineIsOff()
    {
        var s = new Setup(Quiet with { InlineSend = false });
        s.KeyFrameBurst(5, 500);
        Assert.Empty(s.SubSender.Rtp);
        Assert.Equal(5, s.Subscriber.Outbound.QueuedCount);
        Assert.Equal(5, s.Subscriber.Outbound.DrainAvailable());
        Assert.Equal(5, s.SubSender.Rtp.Count);
        AssertNoLeakAfterClose(s.Router, s.Pool);
    }

    [Fact]
    public void WithoutAnEstimate_NothingIsPaced()
    {
        var s = new Setup(Quiet with { InlineSend = true });
        s.KeyFrameBurst(60, 1000); // 60 kB at once: far beyond 20 ms of the 1 Mbit/s initial guess
        Assert.Equal(60, s.SubSender.Rtp.Count);
        Assert.Equal(0, s.Subscriber.Outbound.PacedCount);
        AssertNoLeakAfterClose(s.Router, s.Pool);
    }

    [Fact]
    public void KeyFrameBurst_IsSpreadAtOneAndAHalfTimesTheEstimate_InOrder()
    {
        var s = new Setup(Quiet with { InlineSend = true });
        s.Remb(800_000); // paced at 1.2 Mbit/s = 150 B/ms, burst allowance 50 ms = 7,500 B
        int steady = s.Steady(300);
        Assert.Equal(30, steady); // ~170 kbit/s flows unpaced
        s.KeyFrameBurst(30, 1000);
        int first = s.SubSender.Rtp.Count - steady;
        Assert.InRange(first, 6, 8); // the burst allowance (~7 packets of ~1,030 B)
        Assert.Equal(30 - first, s.Subscriber.Outbound.PacedCount);

        // 100 ms later ~15,000 B more may have gone: the pacer's timer woke the sender meanwhile.
        for (int ms = 0; ms < 100; ms++) s.Time.Advance(TimeSpan.FromMilliseconds(1));
        int afterTenth = s.SubSender.Rtp.Count - steady;
        Assert.InRange(afterTenth - first, 12, 16);

        for (int ms = 0; ms < 200; ms++) s.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(steady + 30, s.SubSender.Rtp.Count);
        Assert.Equal(0, s.Subscriber.Outbound.PacedCount);
        ushort seq0 = Seq(s.SubSender.Rtp[0]);
        Assert.Equal(Enumerable.Range(0, steady + 30), s.SubSender.Rtp.Select(p => (ushort)(Seq(p) - seq0)).Select(d => (int)d));
        Assert.Equal(0, s.Router.Counters.Drops.Get(DropReason.PacerOverflow));
        AssertNoLeakAfterClose(s.Router, s.Pool);
    }

    [Fact]
    public void FullPacer_DropsTheOldest_AndReleasesIt()
    {
        var s = new Setup(Quiet with { InlineSend = true, PacerCapacity = 4 });
        s.Remb(100_000); // paced at 1.5 × the ~170 kbit/s arrival rate: a burst allowance of ~1,600 B
        int steady = s.Steady(300);
        s.KeyFrameBurst(20, 1000);
        Assert.Equal(steady + 1, s.SubSender.Rtp.Count);
        Assert.Equal(4, s.Subscriber.Outbound.PacedCount);
        Assert.Equal(15, s.Router.Counters.Drops.Get(DropReason.PacerOverflow));

        for (int ms = 0; ms < 1000; ms++) s.Time.Advance(TimeSpan.FromMilliseconds(1));
        // The first packet of the burst, then the 4 newest.
        ushort seq0 = Seq(s.SubSender.Rtp[steady]);
        Assert.Equal([0, 16, 17, 18, 19], s.SubSender.Rtp.Skip(steady).Select(p => (int)(ushort)(Seq(p) - seq0)));
        AssertNoLeakAfterClose(s.Router, s.Pool);
    }

    [Fact]
    public void SteadyMediaAboveTheEstimate_IsNotHeldBack_TheAllocatorFitsItNotThePacer()
    {
        var s = new Setup(Quiet with { InlineSend = true });
        s.Remb(60_000); // far below the ~170 kbit/s arriving
        for (int i = 0; i < 200; i++)
        {
            int before = s.Steady(10);
            Assert.Equal(i + 1, before); // every packet goes at once: no standing queue, no drops
        }
        Assert.Equal(0, s.Router.Counters.Drops.Get(DropReason.PacerOverflow));
        AssertNoLeakAfterClose(s.Router, s.Pool);
    }

    [Fact]
    public void SteadyVideoBelowTheEstimate_IsNeverHeldBack()
    {
        var s = new Setup(Quiet with { InlineSend = true });
        s.Remb(2_000_000);
        s.KeyFrameBurst(1, 1200);
        // 1.5 Mbit/s: 150 packets/s of 1,250 B, one every 6.67 ms, for 2 s.
        for (int i = 0; i < 300; i++)
        {
            s.Time.Advance(TimeSpan.FromMicroseconds(6_667));
            int before = s.SubSender.Rtp.Count;
            Deliver(s.Router, s.Publisher, Rtp(s.Pool, PublisherSsrc, (ushort)(i + 1), 90_000 + (uint)i * 600, 96, Vp8Payload(keyFrame: false, 1250)));
            Assert.Equal(before + 1, s.SubSender.Rtp.Count);
        }
        Assert.Equal(0, s.Subscriber.Outbound.PacedCount);
        AssertNoLeakAfterClose(s.Router, s.Pool);
    }

    [Fact]
    public void A_frame_within_the_estimate_leaves_at_once_and_a_key_frame_beyond_it_is_paced()
    {
        var s = new Setup(Quiet with { InlineSend = true });
        s.Remb(1_500_000); // the estimate is the stream's own rate: paced at 2.25 Mbit/s = 281 B/ms
        s.KeyFrameBurst(1, 1200);
        // 30 fps at 1.5 Mbit/s: 6,250 B a frame, 5 packets of 1,250 B, each delivered as one burst every 33 ms.
        // Every packet of every frame leaves while it is being delivered: no packet waits for the pacer's timer.
        ushort seq = 1;
        for (int frame = 0; frame < 60; frame++)
        {
            s.Time.Advance(TimeSpan.FromMicroseconds(33_333));
            for (int i = 0; i < 5; i++)
            {
                int before = s.SubSender.Rtp.Count;
                Deliver(s.Router, s.Publisher, Rtp(s.Pool, PublisherSsrc, seq++, 90_000 + (uint)frame * 3000, 96, Vp8Payload(keyFrame: false, 1250), marker: i == 4));
                Assert.Equal(before + 1, s.SubSender.Rtp.Count);
            }
        }
        Assert.Equal(0, s.Subscriber.Outbound.PacedCount);

        // A key frame of 40 packets (50 kB, 8 × a delta frame) is beyond the estimate: the allowance (~14 kB) goes at
        // once, the rest is spread at 281 B/ms.
        int sent = s.SubSender.Rtp.Count;
        s.Time.Advance(TimeSpan.FromMicroseconds(33_333));
        for (int i = 0; i < 40; i++)
        {
            Deliver(s.Router, s.Publisher, Rtp(s.Pool, PublisherSsrc, seq++, 90_000 + 61 * 3000, 96, Vp8Payload(keyFrame: i == 0, 1250), marker: i == 39));
        }
        int atOnce = s.SubSender.Rtp.Count - sent;
        Assert.InRange(atOnce, 8, 13);
        Assert.Equal(40 - atOnce, s.Subscriber.Outbound.PacedCount);
        for (int ms = 0; ms < 200; ms++) s.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, s.Subscriber.Outbound.PacedCount);
        Assert.Equal(sent + 40, s.SubSender.Rtp.Count);
        Assert.Equal(0, s.Router.Counters.Drops.Get(DropReason.PacerOverflow));
        AssertNoLeakAfterClose(s.Router, s.Pool);
    }

    [Fact]
    public void Audio_never_waits_behind_paced_video()
    {
        var s = new Setup(Quiet with { InlineSend = true });
        var audio = s.Router.CreateProducer(s.Publisher, new ProducerOptions("a", MediaKind.Audio, 77, [Opus]));
        s.Router.CreateConsumer(s.Subscriber, audio, new ConsumerOptions("ca", 98));
        s.Remb(100_000);
        s.Steady(300);
        s.KeyFrameBurst(20, 1000);
        Assert.True(s.Subscriber.Outbound.PacedCount > 10);
        for (int i = 0; i < 5; i++)
        {
            int before = s.SubSender.Rtp.Count;
            Deliver(s.Router, s.Publisher, Rtp(s.Pool, 77, (ushort)(100 + i), 960 * (uint)i, 111, new byte[80]));
            Assert.Equal(before + 1, s.SubSender.Rtp.Count); // the audio packet, at once
            Assert.Equal(111, s.SubSender.Rtp[^1][1] & 0x7F);
            s.Time.Advance(TimeSpan.FromMilliseconds(20));
        }
        Assert.True(s.Subscriber.Outbound.PacedCount > 0); // the video is still being paced meanwhile
        AssertNoLeakAfterClose(s.Router, s.Pool);
    }

    [Fact]
    public void Close_ReleasesWhatThePacerHolds()
    {
        var s = new Setup(Quiet with { InlineSend = true });
        s.Remb(100_000);
        s.Steady(300);
        s.KeyFrameBurst(10, 1000);
        Assert.True(s.Subscriber.Outbound.PacedCount > 0);
        AssertNoLeakAfterClose(s.Router, s.Pool);
    }
}
