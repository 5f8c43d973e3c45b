using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Health;
using DigitalWeRoom.Sfu.Server.Telemetry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>
/// This node's membership of the cluster: connects to Redis (never failing the start: Redis may come later), publishes
/// its <see cref="NodeEntry"/> every heartbeat, renews the claims of the rooms it serves (re-creating them after a Redis
/// outage), resolves conflicting claims, and releases a room's claim when the room ends. While Redis is unreachable the
/// node keeps its rooms running and places new rooms locally (<see cref="ClusterPlacement"/>).
/// </summary>
internal sealed partial class ClusterNode : BackgroundService, IRoomEventSink, Webhooks.IRoomLifecycleGate
{
    private readonly ClusterOptions _options;
    private readonly RoomRegistry _rooms;
    private readonly DrainState _drain;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterNode> _logger;
    private readonly Channel<(string Room, bool Started, Action? Send)> _lifecycle =
        Channel.CreateBounded<(string, bool, Action?)>(new BoundedChannelOptions(4096) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private IReadOnlyDictionary<string, NodeEntry> _nodes = new Dictionary<string, NodeEntry>();
    private ConnectionMultiplexer? _redis;
    private ClusterStore? _store;
    private IDisposable? _subscription;
    private Action<string>? _finishedElsewhere;
    private volatile bool _redisUp;
    private long _lastCpuTimestamp;
    private TimeSpan _lastCpuTime;
    private long _lastForwarded;
    private double _cpu;

    public ClusterNode(IOptions<ClusterOptions> options, IOptions<TelemetryOptions> telemetry, RoomRegistry rooms, DrainState drain,
        IMeterFactory meters, TimeProvider time, ILogger<ClusterNode> logger)
    {
        _options = options.Value;
        _rooms = rooms;
        _drain = drain;
        _time = time;
        _logger = logger;
        Id = ClusterOptionsValidator.ResolveNodeId(_options, telemetry.Value);
        Region = ClusterOptionsValidator.ResolveRegion(_options, telemetry.Value);
        NodeIds.IsValidBaseUrl(_options.SignalingUrl, out var url);
        SignalingUrl = url!.ToString().TrimEnd('/');
        Metrics = new ClusterMetrics(meters, Id, () => _redisUp ? 1 : 0, () => _nodes.Count);
        Migration = new DrainMigration(this, rooms, drain, logger);
    }

    public string Id { get; }

    public string Region { get; }

    public string SignalingUrl { get; }

    public ClusterOptions Options => _options;

    public ClusterMetrics Metrics { get; }

    public DrainMigration Migration { get; }

    /// <summary>Null until the first connection attempt finished.</summary>
    public ClusterStore? Store => _store;

    public bool RedisUp => _redisUp;

    /// <summary>Live nodes as of the last heartbeat (or the last refresh by a placement).</summary>
    public IReadOnlyDictionary<string, NodeEntry> Nodes => _nodes;

    public long NowUnixMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = _rooms.Events.Subscribe(this);
        var config = ConfigurationOptions.Parse(_options.Redis!);
        config.AbortOnConnectFail = false; // start without Redis; the multiplexer reconnects by itself
        config.ConnectTimeout = 2000;
        config.SyncTimeout = config.AsyncTimeout = 1000;
        config.ReconnectRetryPolicy = new LinearRetry(500);
        config.ClientName = "dwr-" + Id;
        _redis = await ConnectionMultiplexer.ConnectAsync(config);
        _store = new ClusterStore(_redis.GetDatabase(), _options);
        await BeatSafelyAsync();
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        _subscription?.Dispose();
        if (_store is { } store && _redisUp)
        {
            try
            {
                foreach (var room in _rooms.Snapshot())
                {
                    // Participants still here may rejoin elsewhere: that room has started, keep its marker.
                    await store.ReleaseAsync(room.Name, Id, keepStarted: room.Participants.Count > 0);
                }

                await store.RemoveNodeAsync(Id);
            }
            catch (Exception e) when (IsRedisFailure(e))
            {
                // Claims and the entry expire by themselves.
            }
        }

        // Pending commands are not waited for (StackExchange.Redis 3.4's DisposeAsync can throw while it waits).
        _redis?.Close(allowCommandsToComplete: false);
        _redis?.Dispose();
    }

    /// <summary>Builds this node's entry from the rooms it serves now.</summary>
    public NodeEntry LocalEntry()
    {
        var snapshot = _rooms.Snapshot();
        return new NodeEntry
        {
            Id = Id,
            Region = Region,
            State = _drain.IsDraining ? NodeEntry.Draining : NodeEntry.Serving,
            SignalingUrl = SignalingUrl,
            MediaAddresses = _options.MediaAddresses,
            Rooms = snapshot.Count,
            Participants = snapshot.Sum(r => r.Participants.Count),
            Tracks = snapshot.Sum(r => r.Participants.Sum(p => p.Tracks.Count)),
            ForwardedPacketsPerSecond = _forwardedPps,
            Cpu = _cpu,
            MaxRooms = _rooms.Settings.MaxRooms,
            MaxParticipants = _options.MaxParticipants,
            At = NowUnixMs,
        };
    }

    /// <summary>Reads the registry again (placement calls this when a node it needs is not in the cached list).</summary>
    public async Task<IReadOnlyDictionary<string, NodeEntry>> RefreshNodesAsync(ClusterStore store)
    {
        var now = NowUnixMs;
        var fresh = new Dictionary<string, NodeEntry>(StringComparer.Ordinal);
        foreach (var (id, json) in await store.ReadNodesAsync())
        {
            if (json is null)
            {
                continue;
            }

            if (!NodeEntry.TryParse(json, out var entry, out string why) || entry!.Id != id)
            {
                Metrics.BadEntry();
                LogBadEntry(_logger, id.Length > 80 ? id[..80] : id, why);
                continue;
            }

            if (entry.IsFresh(now, _options.StaleAfter))
            {
                fresh[id] = entry;
            }
        }

        _nodes = fresh;
        return fresh;
    }

    public void OnRoomFinished(string room) => _lifecycle.Writer.TryWrite((room, false, null));

    /// <summary><c>room_started</c>: sent by the first node that starts the room in this cluster, not again after a failover.</summary>
    public void RoomStarted(string room, Action send) => _lifecycle.Writer.TryWrite((room, true, send));

    /// <summary><c>room_finished</c>: sent when the room ends on the node that holds its claim (not when its participants moved on).</summary>
    public void RoomFinished(string room, Action send) => _lifecycle.Writer.TryWrite((room, false, send));

    public void OnFinishedElsewhere(Action<string> sendRoomFinished) => _finishedElsewhere = sendRoomFinished;

    public static bool IsRedisFailure(Exception e) => e is RedisException or RedisTimeoutException or TimeoutException or ObjectDisposedException;

    /// <summary>Counts and logs a failed Redis call; the first failure of an outage is a warning.</summary>
    public void RedisFailed(Exception e)
    {
        Metrics.RedisError();
        if (_redisUp)
        {
            _redisUp = false;
            LogRedisDown(_logger, e.GetType().Name, e.Message);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lifecycle = Task.Run(() => LifecycleLoopAsync(stoppingToken), CancellationToken.None);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(_options.HeartbeatInterval, _time, stoppingToken);
                await BeatSafelyAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }

        await lifecycle;
    }

    private double _forwardedPps;

    private async Task BeatSafelyAsync()
    {
        if (_store is not { } store)
        {
            return;
        }

        SampleLoad();
        try
        {
            await store.PublishAsync(LocalEntry());
            var local = _rooms.Snapshot().Select(r => r.Name).ToArray();
            var lost = await store.RenewAsync(Id, local);
            await RefreshNodesAsync(store);
            if (!_redisUp)
            {
                _redisUp = true;
                LogRedisUp(_logger, local.Length);
            }

            foreach (var (room, owner) in lost.Where(l => !Migration.WasHandedOver(l.Room)))
            {
                await ResolveConflictAsync(store, room, owner);
            }

            await Migration.StepAsync(store);
            await SweepOrphansAsync(store);
        }
        catch (Exception e) when (IsRedisFailure(e))
        {
            RedisFailed(e);
        }
    }

    /// <summary>
    /// Two nodes serve one room (both placed it while Redis was away). The node that holds the claim has participants
    /// (claims are only renewed for rooms with participants) and keeps the room; this node sends its participants there.
    /// </summary>
    private async Task ResolveConflictAsync(ClusterStore store, string room, string owner)
    {
        if (_nodes.TryGetValue(owner, out var holder) && holder.SocketUrl() is { Length: > 0 } url)
        {
            LogConflict(_logger, room, owner);
            if (_rooms.Find(room) is { } local)
            {
                await local.NotifyAllAsync(new SignalMessage { Type = MessageTypes.Redirect, Url = url, Reason = "the room continues on another node" });
            }

            return;
        }

        // The holder is gone: take the claim over.
        await store.ClaimAsync(room, Id, owner);
    }

    /// <summary>
    /// One node (the live node with the smallest id) sends <c>room_finished</c> for rooms whose node died and that
    /// nobody resumed within <see cref="ClusterOptions.OrphanRoomGrace"/>; the sweep script hands each room to one caller.
    /// </summary>
    private async Task SweepOrphansAsync(ClusterStore store)
    {
        if (_finishedElsewhere is not { } send || _nodes.Keys.Any(id => string.CompareOrdinal(id, Id) < 0))
        {
            return;
        }

        foreach (var room in await store.SweepOrphansAsync(_options.OrphanRoomGrace))
        {
            LogOrphan(_logger, room, _options.OrphanRoomGrace.TotalSeconds);
            send(room);
        }
    }

    private async Task LifecycleLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (room, started, send) in _lifecycle.Reader.ReadAllAsync(stoppingToken))
            {
                bool sendIt = true;
                try
                {
                    if (started)
                    {
                        Migration.Forget(room); // the room lives here again
                    }

                    if (_store is { } store)
                    {
                        // A room this node handed over (drain migration) goes on elsewhere: release what is left, keep
                        // the marker, send nothing; the node that ends it sends room_finished.
                        bool movedOn = !started && Migration.WasHandedOver(room);
                        sendIt = started ? await store.MarkStartedAsync(room, Id) : await store.ReleaseAsync(room, Id, keepStarted: movedOn) && !movedOn;
                    }
                }
                catch (Exception e) when (IsRedisFailure(e))
                {
                    RedisFailed(e); // without Redis the node decides alone (the webhook may repeat after an outage)
                }

                if (sendIt)
                {
                    send?.Invoke();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void SampleLoad()
    {
        long now = _time.GetTimestamp();
        var cpuTime = Process.GetCurrentProcess().TotalProcessorTime;
        long forwarded = _rooms.Snapshot().Sum(r => r.ForwardedPackets);
        if (_lastCpuTimestamp != 0)
        {
            double seconds = _time.GetElapsedTime(_lastCpuTimestamp, now).TotalSeconds;
            if (seconds > 0)
            {
                _cpu = Math.Clamp((cpuTime - _lastCpuTime).TotalSeconds / seconds / Environment.ProcessorCount, 0, 1);
                _forwardedPps = Math.Max(0, forwarded - _lastForwarded) / seconds;
            }
        }

        _lastCpuTimestamp = now;
        _lastCpuTime = cpuTime;
        _lastForwarded = forwarded;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster: Redis unreachable ({Error}: {Message}); rooms keep running, new rooms are placed on this node until it returns")]
    private static partial void LogRedisDown(ILogger logger, string error, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster: Redis reachable; entry published, claims of {Rooms} rooms registered")]
    private static partial void LogRedisUp(ILogger logger, int rooms);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster: refused the registry entry of node '{Node}': {Reason}")]
    private static partial void LogBadEntry(ILogger logger, string node, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster: room '{Room}' has had no node for {Seconds} s (its node died, nobody came back): room_finished sent from here")]
    private static partial void LogOrphan(ILogger logger, string room, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster: room '{Room}' is held by node '{Owner}', which has participants; this node's participants are sent there")]
    private static partial void LogConflict(ILogger logger, string room, string owner);
}
