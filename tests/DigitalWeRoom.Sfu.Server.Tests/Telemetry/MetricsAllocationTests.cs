using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Server.Telemetry;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using DigitalWeRoom.Sfu.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Server.Tests.Telemetry;

/// <summary>
/// Recording on the packet path allocates nothing with the real OpenTelemetry pipeline attached:
/// drop and traffic counts are Interlocked increments read at scrape time, and the sampled histograms
/// (forward latency, RTT) record with a stack-only TagList once their series exist.
/// </summary>
[Collection(ProcessMetricsCollection.Name)]
public sealed class MetricsAllocationTests
{
    private const int Packets = 10_000;

    [Fact]
    public async Task Recording_per_packet_events_allocates_nothing()
    {
        await using var host = TelemetryHost.Start();
        var metrics = host.Services.GetRequiredService<SfuMetrics>();
        var drops = new DropCounters();
        using var registration = metrics.Sources.Add(drops);
        var latency = TimeSpan.FromMilliseconds(0.4);

        // Warm up: JIT, and the first measurement creates each series' aggregation state.
        Record(metrics, drops, latency, 100);
        await host.ScrapeAsync();
        Record(metrics, drops, latency, 100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        Record(metrics, drops, latency, Packets);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);

        // And the recordings arrived (the test is not measuring a disabled pipeline).
        var scrape = await host.ScrapeAsync();
        Assert.Equal(Packets + 200, scrape.Value("sfu_forward_latency_seconds_count"));
        Assert.Equal(Packets + 200, scrape.Value("sfu_rtt_seconds_count"));
        Assert.Equal(Packets + 200, scrape.Value("sfu_packets_dropped_total", ("reason", "queue_overflow")));
    }

    [Fact]
    public async Task Forwarding_with_the_router_feeding_the_real_pipeline_allocates_nothing_per_packet()
    {
        await using var host = TelemetryHost.Start();
        var metrics = host.Services.GetRequiredService<SfuMetrics>();
        var time = new FakeTimeProvider();
        var pool = new PacketPool();
        using var router = new Router("alloc", pool, time, new RouterOptions { StartSendLoops = false, RtcpReportInterval = TimeSpan.Zero });
        router.Telemetry = new RouterMediaTelemetry(metrics);
        using var registration = metrics.Sources.Add(new RouterTrafficSource(router));
        var publisher = router.CreateTransport("pub", new NullSender());
        var audio = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 0x1111, [new RtpCodec(111, "audio/opus", 48000)]));
        for (var i = 0; i < 3; i++)
        {
            router.CreateConsumer(router.CreateTransport("sub" + i, new NullSender()), audio, new ConsumerOptions("c" + i, 0xA000u + (uint)i));
        }

        var subscribers = router.Transports.ToArray()[1..];
        var rtp = new byte[12 + 160];
        rtp[0] = 0x80;
        rtp[1] = 111;
        BinaryPrimitives.WriteUInt32BigEndian(rtp.AsSpan(8), 0x1111);
        ushort seq = 0;

        void Run(int packets)
        {
            for (var n = 0; n < packets; n++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(rtp.AsSpan(2), seq);
                BinaryPrimitives.WriteUInt32BigEndian(rtp.AsSpan(4), seq * 960u);
                seq++;
                var packet = pool.Rent();
                rtp.CopyTo(packet.Buffer, 0);
                packet.Length = rtp.Length;
                router.OnRtp(publisher, packet);
                packet.Release();
                time.Advance(TimeSpan.FromMilliseconds(1));
                foreach (var sub in subscribers)
                {
                    sub.Outbound.DrainAvailable();
                }
            }
        }

        // Warm-up: JIT, pool, the histogram's series (first sampled packet), and the router's periodic work (timers
        // on the fake clock) reaching its steady state.
        const int WarmUp = 20_000;
        const int Rewarm = 640;
        Run(WarmUp);
        await host.ScrapeAsync();
        Run(Rewarm); // The await may resume on another thread: warm its thread-local state too.
        var before = GC.GetAllocatedBytesForCurrentThread();
        Run(Packets);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        var scrape = await host.ScrapeAsync();
        var sampled = 3 * ((WarmUp + Rewarm + Packets) / TransportSender.ForwardLatencySampling); // per subscriber, 1 in 64
        Assert.Equal(sampled, scrape.Value("sfu_forward_latency_seconds_count"));
        Assert.Equal(sampled * 0.001, scrape.Value("sfu_forward_latency_seconds_sum"), 6);
        Assert.Equal(3 * (WarmUp + Rewarm + Packets), scrape.Value("sfu_packets_total", ("direction", "out"), ("kind", "audio"), ("transmission", "original")));
    }

    private sealed class NullSender : IRtpPacketSender
    {
        public bool TrySendRtp(Span<byte> buffer, int length) => true;

        public bool TrySendRtcp(Span<byte> buffer, int length) => true;
    }

    private static void Record(SfuMetrics metrics, DropCounters drops, TimeSpan latency, int count)
    {
        for (var i = 0; i < count; i++)
        {
            drops.Increment(DropReason.QueueOverflow);
            metrics.RecordForwardLatency(latency);
            metrics.RecordRtt(latency);
        }
    }
}
