using System.Diagnostics;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Health;
using DigitalWeRoom.Sfu.Server.Telemetry;
using DigitalWeRoom.Sfu.Server.Endpoints;

namespace DigitalWeRoom.Sfu.Server.Dashboard;

/// <summary>
/// The server's own JSON stats, read by the dashboard: <c>GET /api/stats</c> (live totals, rates, drops,
/// process, history for the charts, rooms) and <c>GET /api/stats/rooms/{name}</c> (one room). Same
/// protection as <c>/api/rooms</c> (<see cref="AdminAuthorization"/>): an admin credential once keys or an admin key
/// are configured, else loopback callers only.
/// </summary>
public static class StatsApi
{
    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/stats", (HttpContext context, RoomRegistry rooms, StatsSampler sampler, SfuMetrics metrics,
            DrainState drain, AdminAuthorization admin) =>
            admin.Authorize(context) is { IsGranted: false } denied
                ? denied.ToResult()
                : Results.Json(Build(rooms, sampler, metrics, drain) with { Clustered = context.RequestServices.GetService<Cluster.ClusterNode>() is not null },
                    ApiJsonContext.Default.ServerStats, statusCode: 200));
        endpoints.MapGet("/api/stats/rooms/{name}", (string name, HttpContext context, RoomRegistry rooms, AdminAuthorization admin) =>
        {
            if (admin.Authorize(context) is { IsGranted: false } denied)
            {
                return denied.ToResult();
            }

            var snapshot = rooms.Find(name)?.Snapshot;
            return snapshot is null || snapshot.Participants.Count == 0
                ? ApiError.Result(StatusCodes.Status404NotFound, "not-found", "no such room")
                : Results.Json(RoomStats.From(snapshot), ApiJsonContext.Default.RoomStats);
        });
        return endpoints;
    }

    internal static ServerStats Build(RoomRegistry rooms, StatsSampler sampler, SfuMetrics metrics, DrainState drain)
    {
        var snapshots = rooms.Snapshot();
        var drops = metrics.Sources.ReadDrops();
        var traffic = metrics.Sources.ReadTraffic();
        var dropsByReason = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 1; i < drops.Length; i++)
        {
            if (drops[i] > 0 && MetricLabels.DropReasons[i] is { } reason)
            {
                dropsByReason[reason] = drops[i];
            }
        }

        var latest = sampler.Latest();
        using var process = Process.GetCurrentProcess();
        return new ServerStats
        {
            NodeId = metrics.NodeId,
            Region = metrics.Region,
            Time = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            UptimeSeconds = (DateTime.Now - process.StartTime).TotalSeconds,
            Draining = drain.IsDraining,
            SampleIntervalSeconds = sampler.Interval.TotalSeconds,
            Rooms = snapshots.Count,
            Participants = snapshots.Sum(r => r.Participants.Count),
            RoomsByMode = MetricLabels.Modes.ToDictionary(m => m, m => snapshots.Count(r => r.Mode == m)),
            ParticipantsByMode = MetricLabels.Modes.ToDictionary(m => m, m => snapshots.Where(r => r.Mode == m).Sum(r => r.Participants.Count)),
            BitrateIn = latest?.BitrateIn ?? 0,
            BitrateOut = latest?.BitrateOut ?? 0,
            LossRatio = latest?.LossRatio ?? 0,
            LossRatioOut = latest?.LossRatioOut ?? 0,
            PacketsIn = traffic.TotalPacketsIn,
            PacketsOut = traffic.TotalPacketsOut,
            BytesIn = traffic.TotalBytesIn,
            BytesOut = traffic.TotalBytesOut,
            Drops = dropsByReason,
            DropsTotal = dropsByReason.Values.Sum(),
            CpuPercent = latest?.CpuPercent ?? 0,
            MemoryBytes = process.WorkingSet64,
            GcHeapBytes = GC.GetTotalMemory(false),
            Threads = process.Threads.Count,
            History = sampler.History(),
            RoomList = snapshots.Select(RoomStats.From).ToArray(),
        };
    }
}

public sealed record ServerStats
{
    public required string NodeId { get; init; }
    public required string Region { get; init; }
    public long Time { get; init; }
    public double UptimeSeconds { get; init; }
    public bool Draining { get; init; }

    /// <summary>This node is in a cluster: the dashboard then also reads <c>/api/cluster</c> for its node table.</summary>
    public bool Clustered { get; init; }
    public double SampleIntervalSeconds { get; init; }
    public int Rooms { get; init; }
    public int Participants { get; init; }
    public required Dictionary<string, int> RoomsByMode { get; init; }
    public required Dictionary<string, int> ParticipantsByMode { get; init; }
    public double BitrateIn { get; init; }
    public double BitrateOut { get; init; }
    public double LossRatio { get; init; }
    public double LossRatioOut { get; init; }
    public long PacketsIn { get; init; }
    public long PacketsOut { get; init; }
    public long BytesIn { get; init; }
    public long BytesOut { get; init; }
    public required SortedDictionary<string, long> Drops { get; init; }
    public long DropsTotal { get; init; }
    public double CpuPercent { get; init; }
    public long MemoryBytes { get; init; }
    public long GcHeapBytes { get; init; }
    public int Threads { get; init; }
    public required IReadOnlyList<StatsSample> History { get; init; }
    public required IReadOnlyList<RoomStats> RoomList { get; init; }
}

/// <summary>One room for the drill-down: mode, participants and their tracks.</summary>
public sealed record RoomStats(string Name, string Mode, int ParticipantCount, int Tracks, IReadOnlyList<ParticipantInfo> Participants)
{
    internal static RoomStats From(RoomSnapshot s) =>
        new(s.Name, s.Mode, s.Participants.Count, s.Participants.Sum(p => p.Tracks.Count), s.Participants);
}
