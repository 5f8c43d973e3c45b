namespace DigitalWeRoom.Sfu.Interop.Tests.Dashboard;

/// <summary>
/// Tests that read a server's /metrics deltas run alone. OpenTelemetry's MeterProvider listens to meters by name across
/// the whole process, so with two test servers alive at once one server's scrape can report the other's observable
/// counters (they even went backwards in CI).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMetricsCollection
{
    public const string Name = "process-wide metrics";
}
