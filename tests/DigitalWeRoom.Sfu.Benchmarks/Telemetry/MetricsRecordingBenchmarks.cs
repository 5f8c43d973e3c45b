using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Server.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;

namespace DigitalWeRoom.Sfu.Benchmarks.Telemetry;

/// <summary>
/// What the packet path pays for metrics, with the real OpenTelemetry pipeline (Prometheus exporter)
/// listening: a drop count (Interlocked increment read at scrape time), and the sampled histograms.
/// Expected: a few ns and 0 B each (the zero-allocation assertion is MetricsAllocationTests).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 5)]
public class MetricsRecordingBenchmarks
{
    private static readonly TimeSpan Latency = TimeSpan.FromMilliseconds(0.4);
    private ServiceProvider _services = null!;
    private SfuMetrics _metrics = null!;
    private DropCounters _drops = null!;

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddMetrics();
        services.AddOptions<TelemetryOptions>().Configure(o => { o.NodeId = "bench"; o.Region = "bench"; });
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new RoomSettings());
        services.AddSingleton<IMediaSessionFactory, NullMediaSessionFactory>();
        services.AddSingleton<RoomRegistry>();
        services.AddSingleton<TelemetrySources>();
        services.AddSingleton<SfuMetrics>();
        services.AddOpenTelemetry().WithMetrics(m => m.AddMeter(SfuMetrics.MeterNames).AddPrometheusExporter());
        _services = services.BuildServiceProvider();
        _services.GetRequiredService<MeterProvider>();
        _metrics = _services.GetRequiredService<SfuMetrics>();
        _drops = new DropCounters();
        _metrics.Sources.Add(_drops);
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true)]
    public void CountDrop() => _drops.Increment(DropReason.QueueOverflow);

    [Benchmark]
    public void RecordForwardLatency() => _metrics.RecordForwardLatency(Latency);

    [Benchmark]
    public void RecordRtt() => _metrics.RecordRtt(Latency);

    /// <summary>One scrape-time read of every owner (not per packet; for scale).</summary>
    [Benchmark]
    public long ReadTraffic() => _metrics.Sources.ReadTraffic().TotalPacketsIn;
}
