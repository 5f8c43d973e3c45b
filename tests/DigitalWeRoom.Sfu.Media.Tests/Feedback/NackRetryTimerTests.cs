using DigitalWeRoom.Sfu.Media.Feedback;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Transport.Buffers;
using Microsoft.Extensions.Time.Testing;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Feedback;

/// <summary>
/// NACK retries (RFC 4585 §3.5.3) ride a timer armed only while a publisher's stream has a gap: a room without loss
/// pays no NACK wake-up (it used to tick every 20 ms per room whatever happened), and a gap is still retried by RTT.
/// </summary>
public sealed class NackRetryTimerTests
{
    private const uint Ssrc = 0x1234;

    [Fact]
    public void Without_loss_the_router_wakes_only_for_its_media_and_key_frame_ticks()
    {
        var (router, time, pool, publisher, _) = Setup();
        SendFrames(router, publisher, pool, time, first: 0, count: 10);
        time.Reset();

        SendFrames(router, publisher, pool, time, first: 10, count: 50); // 1 s of 20 ms packets, none lost

        Assert.False(Feedback(router).NackRetryArmed);
        // 100 ms media tick (10) and 500 ms key-frame flush (2): no NACK pass at all (it was 50 more per second).
        long expected = 1000 / (long)FeedbackTimers.MediaTickInterval.TotalMilliseconds
            + 1000 / (long)router.Options.KeyFrameRequestMinInterval.TotalMilliseconds;
        Assert.Equal(expected, time.Fired);
        Assert.Equal(0, router.Counters.NacksSent);
        router.Dispose();
    }

    [Fact]
    public void A_gap_arms_the_timer_which_retries_by_rtt_and_disarms_once_repaired()
    {
        var (router, time, pool, publisher, sender) = Setup();
        SendFrames(router, publisher, pool, time, first: 0, count: 5);
        Deliver(router, publisher, Rtp(pool, Ssrc, 6, 6 * 3000, 96, Vp8Payload(false), marker: true)); // 5 lost
        DrainAll(router);
        Assert.Equal(1, router.Counters.NacksSent);
        Assert.True(Feedback(router).NackRetryArmed);

        // Retried after the default RTT (100 ms) by the timer alone, no new packet needed.
        time.Inner.Advance(TimeSpan.FromMilliseconds(130));
        DrainAll(router);
        Assert.Equal(2, router.Counters.NacksSent);
        Assert.Equal([5, 5], NackedSeqs(sender));

        // The original arrives late: nothing missing; the timer keeps running for the linger time, then stops.
        Deliver(router, publisher, Rtp(pool, Ssrc, 5, 5 * 3000, 96, Vp8Payload(false), marker: true));
        time.Inner.Advance(PublisherFeedback.NackRetryLinger - TimeSpan.FromMilliseconds(100));
        Assert.True(Feedback(router).NackRetryArmed);
        time.Inner.Advance(TimeSpan.FromMilliseconds(200));
        Assert.False(Feedback(router).NackRetryArmed);
        time.Reset();
        time.Inner.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, router.Counters.NacksSent);
        Assert.Equal(12, time.Fired); // media 10 + key frame 2 per second again
        router.Dispose();
        DrainAll(router);
    }

    [Fact]
    public void A_disposed_router_does_not_arm_the_timer_again()
    {
        var (router, time, pool, publisher, _) = Setup();
        SendFrames(router, publisher, pool, time, first: 0, count: 5);
        router.Dispose();
        time.Reset();
        Deliver(router, publisher, Rtp(pool, Ssrc, 9, 9 * 3000, 96, Vp8Payload(false), marker: true)); // 5..8 lost
        time.Inner.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, time.Fired);
    }

    private static PublisherFeedback Feedback(Router router) => (PublisherFeedback)router.Publishers;

    private static (Router, CountingTimeProvider, PacketPool, MediaTransport, CapturingSender) Setup()
    {
        var time = new CountingTimeProvider(new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 15, 0, 0, TimeSpan.Zero)));
        var pool = new PacketPool();
        var router = new Router("room", pool, time, Quiet);
        var sender = new CapturingSender();
        var publisher = router.CreateTransport("pub", sender, rtcpSsrc: 0x5EED);
        router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, Ssrc, [Vp8]));
        return (router, time, pool, publisher, sender);
    }

    private static void SendFrames(Router router, MediaTransport publisher, PacketPool pool, CountingTimeProvider time, ushort first, int count)
    {
        for (int n = 0; n < count; n++)
        {
            ushort seq = (ushort)(first + n);
            Deliver(router, publisher, Rtp(pool, Ssrc, seq, seq * 3000u, 96, Vp8Payload(keyFrame: seq == 0), marker: true));
            time.Inner.Advance(TimeSpan.FromMilliseconds(20));
        }
        DrainAll(router);
    }

    private static List<ushort> NackedSeqs(CapturingSender sender)
    {
        var seqs = new List<ushort>();
        foreach (var p in sender.Rtcp)
        {
            if (p[1] != 205 || (p[0] & 0x1F) != 1) continue;
            Assert.True(TransportLayerNack.TryParse(p, out var nack, out _));
            var lost = new ushort[nack.LostCount];
            seqs.AddRange(lost[..nack.CopyLostSequenceNumbers(lost)]);
        }
        return seqs;
    }

    /// <summary>A fake clock that counts every timer callback it runs (one callback = one wake-up in production).</summary>
    private sealed class CountingTimeProvider(FakeTimeProvider inner) : TimeProvider
    {
        private long _fired;

        public FakeTimeProvider Inner { get; } = inner;

        public long Fired => Interlocked.Read(ref _fired);

        public void Reset() => Interlocked.Exchange(ref _fired, 0);

        public override DateTimeOffset GetUtcNow() => Inner.GetUtcNow();

        public override long GetTimestamp() => Inner.GetTimestamp();

        public override long TimestampFrequency => Inner.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => Inner.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            Inner.CreateTimer(s =>
            {
                Interlocked.Increment(ref _fired);
                callback(s);
            }, state, dueTime, period);
    }
}
