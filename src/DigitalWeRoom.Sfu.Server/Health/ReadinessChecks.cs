using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Server.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace DigitalWeRoom.Sfu.Server.Health;

/// <summary>Not ready while draining.</summary>
internal sealed class DrainHealthCheck(DrainState drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.Reason is { } reason
            ? HealthCheckResult.Unhealthy("draining: " + reason)
            : HealthCheckResult.Healthy("accepting rooms"));
}

/// <summary>Ready only when the media UDP socket is bound (or no media path is configured).</summary>
internal sealed class MediaSocketHealthCheck(MediaSocketState socket) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(socket.Status switch
        {
            MediaSocketStatus.Bound => HealthCheckResult.Healthy($"udp bound on {socket.LocalEndPoint}"),
            MediaSocketStatus.NotConfigured => HealthCheckResult.Healthy("no server media path configured"),
            MediaSocketStatus.Starting => HealthCheckResult.Unhealthy("udp socket not bound yet"),
            _ => HealthCheckResult.Unhealthy("udp socket failed: " + socket.Error),
        });
}

/// <summary>
/// The control loops answer: every room's command loop processes a flush within the timeout, and the
/// stats sampler ran within a few intervals.
/// </summary>
internal sealed class ControlLoopHealthCheck(RoomRegistry rooms, StatsSampler sampler, TimeProvider time) : IHealthCheck
{
    internal static readonly TimeSpan RoomTimeout = TimeSpan.FromSeconds(2);
    private const int MaxRoomsProbed = 64;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var lastBeat = sampler.LastBeat;
        var allowed = (sampler.Interval * 3) + TimeSpan.FromSeconds(2);
        if (lastBeat == 0 || time.GetElapsedTime(lastBeat) > allowed)
        {
            return HealthCheckResult.Unhealthy($"stats sampler has not run for more than {allowed.TotalSeconds:0.#} s");
        }

        var probes = rooms.Snapshot().Take(MaxRoomsProbed).Select(s => rooms.Find(s.Name)).OfType<Room>()
            .Select(async room => (room.Name, Ok: await FlushAsync(room, cancellationToken)))
            .ToArray();
        var results = await Task.WhenAll(probes);
        var stuck = results.Where(r => !r.Ok).Select(r => r.Name).ToArray();
        return stuck.Length == 0
            ? HealthCheckResult.Healthy($"{results.Length} room loops answered")
            : HealthCheckResult.Unhealthy($"room loops not answering within {RoomTimeout.TotalSeconds} s: {string.Join(", ", stuck.Take(5))}");
    }

    private static async Task<bool> FlushAsync(Room room, CancellationToken cancellationToken)
    {
        try
        {
            await room.FlushAsync().WaitAsync(RoomTimeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
