using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Transport.Buffers;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Feedback;

/// <summary>
/// What the metrics read from a router: PLI/FIR received from subscribers, loss from publisher streams and from
/// subscribers' receiver reports, RTT from LSR/DLSR (RFC 3550 §6.4.1), and forward latency sampled 1 in 64.
/// </summary>
public class MediaTelemetryTests
{
    private sealed class Recorder : IMediaTelemetry
    {
        public readonly List<TimeSpan> Rtts = [];
        public readonly TimeSpan[] Latencies = new TimeSpan[1024];
        public int LatencyCount;

        public void OnRtt(TimeSpan rtt) => Rtts.Add(rtt);

        // Must not allocate (the send loop calls it): a preallocated array.
        public void OnForwardLatency(TimeSpan latency) => Latencies[LatencyCount++ % Latencies.Length] = latency;
    }

    /// <summary>A router without report timers or send loops, a recorder attached, and a publisher transport.</summary>
    private static (Router, Microsoft.Extensions.Time.Testing.FakeTimeProvider, PacketPool, Recorder, MediaTransport) QuietRouter()
    {
        var (router, time, pool) = NewRouter(Quiet);
        var recorder = new Recorder();
        router.Telemetry = recorder;
        return (router, time, pool, recorder, router.CreateTransport("pub", new CountingSender()));
    }

    private static byte[] Rr(uint sender, ReceptionReport block)
    {
        var p = new byte[64];
        int n = ReceiverReport.Write(p, sender, [block]);
        return p[..n];
    }

    [Fact]
    public void Pli_fir_and_receiver_reports_from_a_subscriber_move_the_counters_and_rtt()
    {
        var (router, time, pool) = NewRouter();
        var recorder = new Recorder();
        router.Telemetry = recorder;
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var video = router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, 0x1234, [Vp8]));
        var sub = router.CreateTransport("sub", new CapturingSender());
        var consumer = router.CreateConsumer(sub, video, new ConsumerOptions("cv", 0x9999));

        DeliverRtcp(router, sub, pool, Pli(1, 0x9999));
        DeliverRtcp(router, sub, pool, Pli(1, 0x9999));
        DeliverRtcp(router, sub, pool, Fir(1, 0x9999));
        Assert.Equal(2, router.Counters.PlisReceived);
        Assert.Equal(1, router.Counters.FirsReceived);

        // RR about our stream: 25 % lost in the interval, 40 cumulative; our SR left 150 ms ago minus 20 ms held.
        uint lsr = (uint)(MediaClock.ToNtp(time.GetUtcNow() - TimeSpan.FromMilliseconds(150)) >> 16);
        uint dlsr = (uint)(0.020 * 65536);
        DeliverRtcp(router, sub, pool, Rr(1, new ReceptionReport(0x9999, 64, 40, 1000, 0, lsr, dlsr)));
        Assert.Equal(40, consumer.Stream.RemotePacketsLost);
        Assert.Equal(64, consumer.Stream.RemoteFractionLost);
        var rtt = Assert.Single(recorder.Rtts);
        Assert.InRange(rtt.TotalMilliseconds, 129, 131);

        // A later report with fewer lost (late duplicates) does not make the counter go backwards; no LSR: no RTT.
        DeliverRtcp(router, sub, pool, Rr(1, new ReceptionReport(0x9999, 0, 35, 1100, 0, 0, 0)));
        Assert.Equal(40, consumer.Stream.RemotePacketsLost);
        Assert.Single(recorder.Rtts);
        Assert.Equal(2, router.Counters.ReceptionReports);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void Key_frame_cache_replays_are_not_timed_as_forward_latency()
    {
        var (router, time, pool, recorder, publisher) = QuietRouter();
        var audio = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 0x4321, [Opus]));
        var sub = router.CreateTransport("sub", new CountingSender());
        var consumer = router.CreateConsumer(sub, audio, new ConsumerOptions("c", 100));

        void Send(bool replayed)
        {
            for (ushort i = 0; i < 64; i++)
            {
                var packet = Rtp(pool, 0x4321, i, i * 960u, 111, new byte[20]);
                packet.ReceivedAt = time.GetTimestamp();
                sub.Outbound.TryEnqueue(replayed
                    ? OutboundItem.ForReplayedRtp(packet, consumer.Stream, i, i * 960u, 111, 20)
                    : OutboundItem.ForRtp(packet, consumer.Stream, i, i * 960u, 111, 20));
            }

            time.Advance(TimeSpan.FromSeconds(2)); // a cached key frame can be seconds old
            sub.Outbound.DrainAvailable();
        }

        Send(replayed: true);
        Assert.Equal(0, recorder.LatencyCount);
        Send(replayed: false);
        Assert.Equal(1, recorder.LatencyCount);
        Assert.Equal(TimeSpan.FromSeconds(2), recorder.Latencies[0]);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void Publisher_stream_loss_is_expected_minus_received()
    {
        var (router, _, pool) = NewRouter();
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var audio = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 0x4321, [Opus]));
        ushort[] seqs = [10, 11, 12, 15, 16, 20]; // 13, 14, 17, 18, 19 missing
        foreach (var s in seqs)
        {
            Deliver(router, publisher, Rtp(pool, 0x4321, s, s * 960u, 111, new byte[20]));
        }

        Assert.Equal(11, audio.Receiver.PacketsExpected);
        Assert.Equal(5, audio.Receiver.PacketsLost);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void Forward_latency_is_sampled_one_in_64_from_router_receive_to_send_without_allocating()
    {
        var (router, time, pool, recorder, publisher) = QuietRouter();
        var video = router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, 0x1234, [Vp8]));
        router.CreateConsumer(router.CreateTransport("sub", new CountingSender()), video, new ConsumerOptions("c", 100));
        var sub = router.Transports[1];
        var keyFrame = Vp8Payload(keyFrame: true, size: 1000);
        var delta = Vp8Payload(keyFrame: false, size: 1000);
        ushort seq = 0;

        void Run(int packets)
        {
            for (int n = 0; n < packets; n++)
            {
                PooledPacket packet = Rtp(pool, 0x1234, seq, seq * 3000u, 96, seq % 100 == 0 ? keyFrame : delta, marker: true);
                seq++;
                router.OnRtp(publisher, packet);
                packet.Release();
                time.Advance(TimeSpan.FromMilliseconds(3)); // queued 3 ms in the subscriber's send queue
                sub.Outbound.DrainAvailable();
            }
        }

        Run(640);
        Assert.Equal(10, recorder.LatencyCount);
        Assert.All(recorder.Latencies[..10], l => Assert.Equal(TimeSpan.FromMilliseconds(3), l));

        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(6400);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(110, recorder.LatencyCount);
        DrainAll(router);
        AssertNoLeakAfterClose(router, pool);
    }
}
