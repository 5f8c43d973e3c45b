using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Server.Telemetry;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Telemetry;

/// <summary>
/// Recording on the packet path allocates nothing with the real OpenTelemetry pipeline attached:
/// drop and traffic counts are Interlocked increments read at scrape time, and the sampled histograms
/// (forward latency, RTT) record with a stack-only TagList once their series exist.
/// </summary>
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
