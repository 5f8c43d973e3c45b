using DigitalWeRoom.Sfu.Media.Congestion;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Congestion;

public sealed class ReceiveSideEstimatorTests
{
    private const long Second = 1_000_000;

    [Fact]
    public void Grows_without_loss_drops_to_what_arrives_under_heavy_loss_and_holds_in_between()
    {
        var e = new ReceiveSideEstimator(initialBps: 1_000_000, minBps: 100_000, maxBps: 3_000_000);
        Assert.Equal(1_000_000, e.Update(octets: 0, expected: 0, lost: 0, nowMicros: 0)); // first interval: no rate yet

        // 1 s, 125,000 octets (1 Mbit/s) arrived, nothing lost: + 8 %.
        Assert.Equal(1_080_000, e.Update(125_000, 100, 0, Second), 3);
        // 20 % lost of the next 100 while 1 Mbit/s arrived: what arrived × (1 − 0.1).
        Assert.Equal(900_000, e.Update(250_000, 200, 20, 2 * Second), 3);
        Assert.Equal(0.2, e.LastLoss, 6);
        // 5 % lost: hold.
        Assert.Equal(900_000, e.Update(375_000, 300, 25, 3 * Second), 3);
        // Long without loss: up to the ceiling, never past it.
        long octets = 375_000, expected = 300;
        for (int s = 4; s < 40; s++) e.Update(octets += 125_000, expected += 100, 25, s * Second);
        Assert.Equal(3_000_000, e.Estimate);
    }

    [Fact]
    public void Never_under_the_floor_and_a_restarted_stream_is_not_read_as_a_negative_rate()
    {
        var e = new ReceiveSideEstimator(initialBps: 500_000, minBps: 100_000, maxBps: 3_000_000);
        e.Update(0, 0, 0, 0);
        Assert.Equal(100_000, e.Update(1_000, 100, 90, Second)); // 90 % loss, 8 kbit/s arrived: the floor
        Assert.Equal(100_000, e.Update(10, 5, 0, 2 * Second)); // counters went back (new stream): no update
    }

    [Fact]
    public void A_publisher_without_transport_cc_gets_a_remb_each_second_for_its_video_and_one_with_it_gets_none()
    {
        var (router, time, pool) = NewRouter(Quiet with { RtcpReportInterval = TimeSpan.FromSeconds(1) });
        var plainSender = new CapturingSender();
        var plain = router.CreateTransport("plain", plainSender);
        var twccSender = new CapturingSender();
        var withTwcc = router.CreateTransport("twcc", twccSender, new RtpHeaderExtensionIds(TransportWideSequenceNumber: 3));
        router.CreateProducer(plain, new ProducerOptions("v", MediaKind.Video, 0x1111, [Vp8]));
        router.CreateProducer(withTwcc, new ProducerOptions("v2", MediaKind.Video, 0x2222, [Vp8]));
        var payload = Vp8Payload(keyFrame: false, size: 1000);
        ushort seq = 0;
        for (int tick = 0; tick < 30; tick++)
        {
            for (int n = 0; n < 10; n++, seq++)
            {
                if (tick >= 10 && seq % 4 == 0) continue; // from the second second on, 25 % lost
                Deliver(router, plain, Rtp(pool, 0x1111, seq, seq * 3000u, 96, payload, marker: true));
                Deliver(router, withTwcc, Rtp(pool, 0x2222, seq, seq * 3000u, 96, payload, marker: true));
            }
            time.Advance(DigitalWeRoom.Sfu.Media.Feedback.FeedbackTimers.MediaTickInterval);
        }
        plain.Outbound.DrainAvailable();
        withTwcc.Outbound.DrainAvailable();

        var rembs = plainSender.Rtcp.Select(p => ReceiverEstimatedMaxBitrate.TryParse(p, out var r, out _) ? (r.Bitrate, r.SsrcCount, Ssrc: r.SsrcCount > 0 ? r.GetSsrc(0) : 0u) : default)
            .Where(r => r.SsrcCount > 0).ToList();
        Assert.Equal(3, rembs.Count); // 3 s of media: one a second
        Assert.All(rembs, r => Assert.Equal(0x1111u, r.Ssrc));
        Assert.True(rembs[2].Bitrate < rembs[0].Bitrate, $"25 % loss lowers the estimate: {string.Join(", ", rembs.Select(r => r.Bitrate))}");
        Assert.Equal(3, router.Counters.RembsSent);
        Assert.DoesNotContain(twccSender.Rtcp, p => ReceiverEstimatedMaxBitrate.TryParse(p, out _, out _));
    }
}
