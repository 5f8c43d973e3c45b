using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Media.Congestion;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>Probe clusters through a subscriber's send loop: padding-only RTX packets, stamped, at the cluster's spacing.</summary>
public sealed class ProbeSendTests
{
    private const byte TwccId = 3;
    private const uint RtxSsrc = 0xC00;
    private const byte RtxPt = 97;

    [Fact]
    public void A_capped_subscriber_wanting_more_gets_one_cluster_of_padding_only_rtx_packets_measured_by_the_estimator()
    {
        var (router, time, pool, sub, sender) = Setup();
        Limit(sub, time);
        sub.Bandwidth.WantedBps = 5_000_000;
        double estimate = sub.Bandwidth.Estimator.Estimate;
        sender.Rtp.Clear();
        long stamped = sub.Bandwidth.Stamped;

        Feedback(sub, time);
        var cluster = sub.Bandwidth.Prober.Current;
        Assert.Equal(1, sub.Bandwidth.Prober.Clusters);
        Assert.Equal(2 * estimate, cluster.RateBps);
        var sendTimes = new List<long>();
        for (int step = 0; step < 2000 && sender.Rtp.Count < cluster.Packets; step++)
        {
            int before = sender.Rtp.Count;
            DrainAll(router);
            for (int i = before; i < sender.Rtp.Count; i++) sendTimes.Add(time.GetTimestamp());
            time.Advance(TimeSpan.FromMicroseconds(100));
        }
        Assert.Equal(cluster.Packets, sender.Rtp.Count);
        ushort? lastTwcc = null;
        ushort? lastRtxSeq = null;
        foreach (var p in sender.Rtp)
        {
            Assert.Equal(RtxSsrc, Ssrc(p));
            Assert.Equal(RtxPt, p[1] & 0x7F);
            Assert.Equal(0x20, p[0] & 0x20); // padding
            Assert.True(RtpPacketView.TryParse(p, out var view, out _));
            Assert.Equal(0, view.Payload.Length); // padding only
            Assert.Equal(p.Length - ProbeSender.ProbeHeaderLength, p[^1]);
            Assert.True(view.TryFindExtension(TwccId, out int offset, out int length));
            Assert.Equal(2, length);
            ushort twcc = BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(offset));
            if (lastTwcc is { } t) Assert.Equal((ushort)(t + 1), twcc);
            if (lastRtxSeq is { } r) Assert.Equal((ushort)(r + 1), Seq(p));
            lastTwcc = twcc;
            lastRtxSeq = Seq(p);
        }
        // The cluster's spacing (timer wake-ups on the fake clock, 100 µs steps).
        double spanMicros = (sendTimes[^1] - sendTimes[0]) * 1_000_000.0 / time.TimestampFrequency;
        Assert.InRange(spanMicros, (cluster.Packets - 1) * cluster.SpacingMicros, ((cluster.Packets - 1) * cluster.SpacingMicros) + (cluster.Packets * 1100));
        Assert.Equal(cluster.Packets, router.Counters.ProbePackets);
        Assert.Equal(stamped + cluster.Packets, sub.Bandwidth.Stamped); // each recorded for transport-cc feedback

        // Not again within the interval.
        Feedback(sub, time);
        Assert.Equal(1, sub.Bandwidth.Prober.Clusters);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void No_probe_while_the_estimate_does_not_cap_or_nothing_more_is_wanted()
    {
        var (router, time, _, sub, sender) = Setup();
        sub.Bandwidth.WantedBps = 5_000_000;
        sender.Rtp.Clear();
        Feedback(sub, time); // gate not limited: the allocation is not capped
        Assert.Equal(0, sub.Bandwidth.Prober.Clusters);

        Limit(sub, time);
        sub.Bandwidth.WantedBps = 10_000;
        Feedback(sub, time);
        Assert.Equal(0, sub.Bandwidth.Prober.Clusters);
        DrainAll(router);
        Assert.Empty(sender.Rtp);
    }

    private static (Router Router, Microsoft.Extensions.Time.Testing.FakeTimeProvider Time, Transport.Buffers.PacketPool Pool, MediaTransport Sub, CapturingSender Sender) Setup()
    {
        var (router, time, pool) = NewRouter(new RouterOptions { StartSendLoops = false, RtcpReportInterval = TimeSpan.Zero, KeyFrameCacheEnabled = false });
        var pub = router.CreateTransport("pub", new CapturingSender());
        var sender = new CapturingSender();
        var sub = router.CreateTransport("sub", sender, new RtpHeaderExtensionIds(TransportWideSequenceNumber: TwccId));
        var video = router.CreateProducer(pub, new ProducerOptions("v", MediaKind.Video, 0x100, [Vp8]));
        router.CreateConsumer(sub, video, new ConsumerOptions("c", 0xB00) { RtxSsrc = RtxSsrc, RtxPayloadTypes = [(96, RtxPt)] });
        Deliver(router, pub, Rtp(pool, 0x100, 1, 1000, 96, Vp8Payload(true), marker: true));
        DrainAll(router);
        Assert.NotEmpty(sender.Rtp);
        return (router, time, pool, sub, sender);
    }

    /// <summary>Congestion seen once: the gate caps allocation for its hold time.</summary>
    private static void Limit(MediaTransport sub, Microsoft.Extensions.Time.Testing.FakeTimeProvider time)
    {
        Assert.True(sub.Bandwidth.Gate.OnFeedback(BandwidthUsage.Normal, 0.5, Now(time)));
        time.Advance(TimeSpan.FromMilliseconds(10));
    }

    /// <summary>A transport-cc feedback (for packets the estimator does not know: only the gate and the prober act).</summary>
    private static void Feedback(MediaTransport sub, Microsoft.Extensions.Time.Testing.FakeTimeProvider time)
    {
        var rtcp = new byte[256];
        int length = TransportWideFeedback.Write(rtcp, 1, 2, 0, [new TwccArrival(60_000, 1000)], out _);
        sub.Bandwidth.OnTransportFeedback(rtcp.AsSpan(0, length), Now(time));
    }

    private static long Now(Microsoft.Extensions.Time.Testing.FakeTimeProvider time) => DigitalWeRoom.Sfu.Media.Streams.MediaClock.Convert(time.GetTimestamp(), time.TimestampFrequency, 1_000_000);
}
