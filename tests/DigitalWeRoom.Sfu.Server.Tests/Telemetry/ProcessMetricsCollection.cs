namespace DigitalWeRoom.Sfu.Server.Tests.Telemetry;

/// <summary>
/// Tests that assert on a server's metric values or on what recording allocates run alone. OpenTelemetry's
/// MeterProvider listens to meters by name across the whole process, so while another test class has a server running,
/// one server's scrape can include the other's observable counters, and recording on the other's instruments feeds
/// (and allocates in) this one's pipeline. Seen as wrong deltas and as stray allocations under a loaded run.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMetricsCollection
{
    public const string Name = "process-wide metrics";
}
