using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DigitalWeRoom.Sfu.Server.Health;

/// <summary>The JSON body of <c>/healthz/live</c> and <c>/healthz/ready</c>: the overall status and each check's.</summary>
internal sealed record HealthResponse(string Status, Dictionary<string, HealthCheckResponse> Checks)
{
    public static HealthResponse From(HealthReport report) => new(
        report.Status.ToString().ToLowerInvariant(),
        report.Entries.ToDictionary(e => e.Key, e => new HealthCheckResponse(e.Value.Status.ToString().ToLowerInvariant(), e.Value.Description)));
}

/// <summary>One health check's status and description.</summary>
internal sealed record HealthCheckResponse(string Status, string? Description);
