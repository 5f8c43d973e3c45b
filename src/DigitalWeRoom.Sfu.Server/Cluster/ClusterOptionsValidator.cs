using System.Net;
using DigitalWeRoom.Sfu.Server.Telemetry;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>Start-up checks of <c>Sfu:Cluster</c> (only when it is enabled): a safe node id, a public URL, sane timings.</summary>
internal sealed class ClusterOptionsValidator(IOptions<TelemetryOptions> telemetry) : IValidateOptions<ClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterOptions options)
    {
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        string id = ResolveNodeId(options, telemetry.Value);
        if (!NodeIds.IsValid(id))
        {
            errors.Add($"{ClusterOptions.SectionName}:NodeId '{id}' is not a valid node id: 1-{NodeIds.MaxLength} letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }

        string region = ResolveRegion(options, telemetry.Value);
        if (!NodeIds.IsValid(region))
        {
            errors.Add($"{ClusterOptions.SectionName}:Region '{region}' may only hold letters, digits, '.', '_' or '-'.");
        }

        if (!NodeIds.IsValidBaseUrl(options.SignalingUrl, out _))
        {
            errors.Add($"{ClusterOptions.SectionName}:SignalingUrl must be this node's public http(s) base URL without query or user info (clients are redirected to it), e.g. https://node1.example.org.");
        }

        foreach (string address in options.MediaAddresses)
        {
            if (!IPAddress.TryParse(address, out _))
            {
                errors.Add($"{ClusterOptions.SectionName}:MediaAddresses: '{address}' is not an IP address.");
            }
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero || options.StaleAfter <= options.HeartbeatInterval || options.ClaimTtl <= options.HeartbeatInterval)
        {
            errors.Add($"{ClusterOptions.SectionName}: HeartbeatInterval must be positive, StaleAfter and ClaimTtl longer than it.");
        }

        if (options.MaxParticipants < 0 || options.CpuLimit is <= 0 or > 1)
        {
            errors.Add($"{ClusterOptions.SectionName}: MaxParticipants must be >= 0 and CpuLimit in (0, 1].");
        }

        if (options.OrphanRoomGrace < options.ClaimTtl || options.OrphanRoomGrace > TimeSpan.FromDays(1))
        {
            errors.Add($"{ClusterOptions.SectionName}:OrphanRoomGrace must be at least ClaimTtl and at most 1 day.");
        }

        if (options.DrainMigrateAfter is { } grace && (grace < TimeSpan.Zero || grace > TimeSpan.FromHours(1)))
        {
            errors.Add($"{ClusterOptions.SectionName}:DrainMigrateAfter must be between 0 and 1 hour (empty: no migration).");
        }

        if (!NodeIds.IsValid(options.KeyPrefix.TrimEnd(':')))
        {
            errors.Add($"{ClusterOptions.SectionName}:KeyPrefix may only hold letters, digits, '.', '_', '-' (and a trailing ':').");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    public static string ResolveNodeId(ClusterOptions options, TelemetryOptions telemetry) =>
        string.IsNullOrWhiteSpace(options.NodeId) ? telemetry.ResolvedNodeId : options.NodeId;

    public static string ResolveRegion(ClusterOptions options, TelemetryOptions telemetry) =>
        string.IsNullOrWhiteSpace(options.Region) ? telemetry.Region : options.Region;
}
