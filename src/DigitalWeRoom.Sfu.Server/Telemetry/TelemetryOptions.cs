namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>
/// Metrics, tracing and stats settings, bound from <c>Sfu:Telemetry</c> (environment: <c>Sfu__Telemetry__Region=eu-west</c>).
/// </summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Sfu:Telemetry";

    /// <summary>Constant label <c>node_id</c> on every series; empty means the machine name.</summary>
    public string NodeId { get; set; } = "";

    /// <summary>Constant label <c>region</c> on every series.</summary>
    public string Region { get; set; } = "local";

    /// <summary>Serve <c>GET /metrics</c> (Prometheus text format).</summary>
    public bool MetricsEnabled { get; set; } = true;

    public string MetricsPath { get; set; } = "/metrics";

    /// <summary>
    /// False (default): <c>/metrics</c> needs an admin credential when keys are set and answers loopback callers only
    /// when none are. True: every caller may scrape it (for a scraper on a private network you trust).
    /// </summary>
    public bool MetricsOpen { get; set; }

    /// <summary>0 serves metrics on the main HTTP port; another value adds a listener on that port and serves metrics only there.</summary>
    public int MetricsPort { get; set; }

    /// <summary>OTLP endpoint for traces (join, negotiate, switch), e.g. <c>http://127.0.0.1:4317</c>. Empty: tracing export is off.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>How often room state and traffic totals are sampled for the dashboard and for mode-switch detection.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Samples kept for the dashboard charts (history length = SampleInterval × this).</summary>
    public int HistoryLength { get; set; } = 300;

    internal string ResolvedNodeId => string.IsNullOrWhiteSpace(NodeId) ? Environment.MachineName : NodeId;
}
