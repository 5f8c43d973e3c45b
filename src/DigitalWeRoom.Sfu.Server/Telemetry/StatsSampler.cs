using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>
/// Samples room state, traffic totals and the process every <see cref="TelemetryOptions.SampleInterval"/>:
/// keeps a bounded history for the dashboard and computes rates (bitrate, loss). Mode switches are not sampled:
/// the rooms report each one through <see cref="RoomRegistry.Events"/> (see <see cref="SfuMetrics"/>).
/// </summary>
public sealed partial class StatsSampler : BackgroundService
{
    /// <summary>At most one "dropped input" warning per this interval, summing every reason since the last one.</summary>
    internal static readonly TimeSpan DropWarningInterval = TimeSpan.FromSeconds(10);

    private readonly RoomRegistry _rooms;
    private readonly SfuMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly TelemetryOptions _options;
    private readonly Lock _lock = new();
    private readonly Queue<StatsSample> _history = new();
    private TrafficTotals? _lastTraffic;
    private long _lastDrops;
    private long _lastTimestamp;
    private TimeSpan _lastCpu;
    private long _lastBeat;
    private long[]? _dropsAtLastWarning;
    private long _lastDropWarning;
    private readonly ILogger _logger;

    public StatsSampler(RoomRegistry rooms, SfuMetrics metrics, TimeProvider time, IOptions<TelemetryOptions> options, ILogger<StatsSampler> logger)
    {
        _logger = logger;
        _rooms = rooms;
        _metrics = metrics;
        _time = time;
        _options = options.Value;
    }

    /// <summary>When the sampler last ran (timestamp of <see cref="TimeProvider"/>); readiness checks it.</summary>
    public long LastBeat => Volatile.Read(ref _lastBeat);

    public TimeSpan Interval => _options.SampleInterval;

    public IReadOnlyList<StatsSample> History()
    {
        lock (_lock)
        {
            return [.. _history];
        }
    }

    public StatsSample? Latest()
    {
        lock (_lock)
        {
            return _history.Count == 0 ? null : _history.Last();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        SampleOnce();
        using var timer = new PeriodicTimer(_options.SampleInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                SampleOnce();
            }
        }
        catch (OperationCanceledException)
        {
            // Shutdown.
        }
    }

    /// <summary>Takes one sample now (the loop calls it; tests may too).</summary>
    public StatsSample SampleOnce()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var seconds = _lastTimestamp == 0 ? 0 : _time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
            var snapshots = _rooms.Snapshot();

            var traffic = _metrics.Sources.ReadTraffic();
            var dropsByReason = _metrics.Sources.ReadDrops();
            var drops = dropsByReason.Sum();
            WarnAboutDrops(dropsByReason, now);
            var cpu = Environment.CpuUsage.TotalTime;
            double Rate(long current, long previous) => seconds > 0 ? Math.Max(0, current - previous) / seconds : 0;

            double loss = 0, lossOut = 0;
            if (_lastTraffic is not null)
            {
                var expected = traffic.PacketsExpected - _lastTraffic.PacketsExpected;
                var lost = traffic.PacketsLost - _lastTraffic.PacketsLost;
                loss = expected > 0 ? Math.Clamp((double)lost / expected, 0, 1) : 0;

                // Out: what subscribers reported lost against what we sent them (originals) in the interval.
                var sent = OriginalsOut(traffic) - OriginalsOut(_lastTraffic);
                var lostOut = traffic.PacketsLostOut - _lastTraffic.PacketsLostOut;
                lossOut = sent > 0 ? Math.Clamp((double)lostOut / sent, 0, 1) : 0;
            }

            var sample = new StatsSample
            {
                Time = _time.GetUtcNow().ToUnixTimeMilliseconds(),
                Rooms = snapshots.Count,
                Participants = snapshots.Sum(r => r.Participants.Count),
                RoomsP2p = snapshots.Count(r => r.Mode == ModeNames.PeerToPeer),
                RoomsSwitching = snapshots.Count(r => r.Mode == ModeNames.Switching),
                RoomsSfu = snapshots.Count(r => r.Mode == ModeNames.Sfu),
                ParticipantsP2p = snapshots.Where(r => r.Mode == ModeNames.PeerToPeer).Sum(r => r.Participants.Count),
                ParticipantsSfu = snapshots.Where(r => r.Mode != ModeNames.PeerToPeer).Sum(r => r.Participants.Count),
                BitrateIn = _lastTraffic is null ? 0 : 8 * Rate(traffic.TotalBytesIn, _lastTraffic.TotalBytesIn),
                BitrateOut = _lastTraffic is null ? 0 : 8 * Rate(traffic.TotalBytesOut, _lastTraffic.TotalBytesOut),
                PacketsInPerSecond = _lastTraffic is null ? 0 : Rate(traffic.TotalPacketsIn, _lastTraffic.TotalPacketsIn),
                PacketsOutPerSecond = _lastTraffic is null ? 0 : Rate(traffic.TotalPacketsOut, _lastTraffic.TotalPacketsOut),
                LossRatio = loss,
                LossRatioOut = lossOut,
                DropsPerSecond = Rate(drops, _lastDrops),
                CpuPercent = seconds > 0 ? Math.Clamp(100 * (cpu - _lastCpu).TotalSeconds / (seconds * Environment.ProcessorCount), 0, 100) : 0,
                MemoryBytes = Environment.WorkingSet,
            };

            _metrics.SetLossRatio(loss, lossOut);
            _lastTraffic = traffic;
            _lastDrops = drops;
            _lastCpu = cpu;
            _lastTimestamp = now;
            _history.Enqueue(sample);
            while (_history.Count > Math.Max(2, _options.HistoryLength))
            {
                _history.Dequeue();
            }

            Volatile.Write(ref _lastBeat, now);
            return sample;
        }
    }

    private static long OriginalsOut(TrafficTotals t) =>
        t.PacketsOut[TrafficTotals.Slot(TrafficKind.Audio, Transmission.Original)] + t.PacketsOut[TrafficTotals.Slot(TrafficKind.Video, Transmission.Original)];

    private void WarnAboutDrops(long[] drops, long now)
    {
        if (_dropsAtLastWarning is null)
        {
            _dropsAtLastWarning = drops;
            _lastDropWarning = now;
            return;
        }

        if (_time.GetElapsedTime(_lastDropWarning, now) < DropWarningInterval)
        {
            return;
        }

        var parts = new List<string>();
        for (var i = 1; i < drops.Length; i++)
        {
            var delta = drops[i] - _dropsAtLastWarning[i];
            if (delta > 0 && MetricLabels.DropReasons[i] is { } name)
            {
                parts.Add($"{delta} {name}");
            }
        }

        if (parts.Count > 0)
        {
            LogDrops(_logger, _time.GetElapsedTime(_lastDropWarning, now).TotalSeconds, string.Join(", ", parts));
        }

        _dropsAtLastWarning = drops;
        _lastDropWarning = now;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped input in the last {Seconds:0} s: {Drops}")]
    private static partial void LogDrops(ILogger logger, double seconds, string drops);
}
