using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Memory;

/// <summary>
/// Gives the GC's free memory back to the system once rooms settle. The packet path allocates nothing; joins do (DTLS
/// handshakes, SDP, signaling), and their garbage is promoted before it dies, so each round of joins left the GC's
/// regions committed and resident: the AOT server's RSS grew 60 → 68 → 70 MB over three meetings of the Janus
/// comparison (docs/benchmarks.md) while the live heap stayed about 10 MB. A membership change (a participant joins or
/// leaves, a room opens or closes) arms a full compacting collection in <see cref="GCCollectionMode.Aggressive"/>
/// mode, which decommits every free region; it runs when nothing changed for <see cref="HeapTrimOptions.SettleDelay"/>,
/// at most once per <see cref="HeapTrimOptions.MinInterval"/>, on a pool thread (never on the receive loop), and not
/// while the heap is above <see cref="HeapTrimOptions.MaxHeapBytes"/> (the change is then dropped).
/// </summary>
internal sealed partial class HeapTrim : BackgroundService, IRoomEventSink
{
    private readonly TimeProvider _time;
    private readonly HeapTrimOptions _options;
    private readonly ILogger _logger;
    private readonly Action _collect;
    private readonly Func<long> _heapSize;
    private readonly IDisposable _subscription;
    private long _lastChange;
    private long _lastTrim = long.MinValue;
    private int _armed;

    public HeapTrim(RoomEvents events, TimeProvider time, IOptions<HeapTrimOptions> options, ILogger<HeapTrim> logger)
        : this(events, time, options.Value, logger, CollectAggressively, () => GC.GetGCMemoryInfo().HeapSizeBytes)
    {
    }

    internal HeapTrim(RoomEvents events, TimeProvider time, HeapTrimOptions options, ILogger logger, Action collect, Func<long> heapSize)
    {
        _heapSize = heapSize;
        _time = time;
        _options = options;
        _logger = logger;
        _collect = collect;
        _subscription = events.Subscribe(this);
    }

    /// <summary>Collections run so far.</summary>
    public int Trims { get; private set; }

    public void OnRoomStarted(string room) => Changed();

    public void OnRoomFinished(string room) => Changed();

    public void OnParticipantJoined(string room, ParticipantInfo participant, int participantCount) => Changed();

    public void OnParticipantLeft(string room, ParticipantInfo participant, int participantCount, string reason) => Changed();

    /// <summary>Runs the collection if one is armed, settled and allowed by the interval; true when it ran.</summary>
    internal bool Tick()
    {
        long now = _time.GetTimestamp();
        if (!_options.TrimWhenSettled || Volatile.Read(ref _armed) == 0
            || _time.GetElapsedTime(Volatile.Read(ref _lastChange), now) < _options.SettleDelay
            || (_lastTrim != long.MinValue && _time.GetElapsedTime(_lastTrim, now) < _options.MinInterval))
        {
            return false;
        }
        Volatile.Write(ref _armed, 0);
        if (_heapSize() > _options.MaxHeapBytes)
        {
            return false;
        }
        _lastTrim = now;
        long before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        _collect();
        Trims++;
        LogTrimmed(before / 1048576.0, GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0, _time.GetElapsedTime(now).TotalMilliseconds);
        return true;
    }

    public override void Dispose()
    {
        _subscription.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.TrimWhenSettled)
        {
            return;
        }
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Tick();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private void Changed()
    {
        Volatile.Write(ref _lastChange, _time.GetTimestamp());
        Volatile.Write(ref _armed, 1);
    }

    // Aggressive needs a blocking, compacting collection of every generation; it also releases the GC's free regions.
    private static void CollectAggressively() => GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rooms settled: GC heap committed {Before:0.0} -> {After:0.0} MB in {Milliseconds:0.0} ms")]
    private partial void LogTrimmed(double before, double after, double milliseconds);
}
