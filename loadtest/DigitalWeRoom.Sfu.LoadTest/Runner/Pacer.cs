using System.Diagnostics;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.LoadTest.Runner;

/// <summary>
/// Sends every active synthetic stream on a timer: each tick sends what is due (a whole video frame as a burst,
/// like an encoder). The active set is a copy-on-write array, so ticks take no lock and allocate nothing.
/// </summary>
internal sealed class Pacer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _loop;
    private readonly object _gate = new();
    private (SyntheticStream Stream, IRtpSink Sink)[] _streams = [];
    private long _ticks;
    private long _lateTicks;

    public Pacer(TimeSpan period)
    {
        _loop = new Thread(() => Run(period)) { IsBackground = true, Name = "dwr-lt-pacer" };
        _loop.Start();
    }

    public long Ticks => Interlocked.Read(ref _ticks);

    /// <summary>Kernel id of the pacer's thread once it runs (-1 before or where unsupported).</summary>
    public int ThreadId { get; private set; } = -1;

    /// <summary>Ticks that started more than 5 ms late (a sign the load generator itself is starved of CPU).</summary>
    public long LateTicks => Interlocked.Read(ref _lateTicks);

    public void Add(SyntheticStream stream, IRtpSink sink)
    {
        stream.Start(Stopwatch.GetTimestamp());
        lock (_gate) _streams = [.. _streams, (stream, sink)];
    }

    public void Remove(SyntheticStream stream)
    {
        lock (_gate) _streams = [.. _streams.Where(s => s.Stream != stream)];
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        // The loop returns within one period once stopped; join it off the caller's thread.
        await Task.Run(_loop.Join).ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>
    /// The pacer's own thread: a timer continuation on the thread pool waits behind every queued join (signaling,
    /// JSON, SDP) during a join storm, and a late tick sends a late burst. Deadlines are absolute, so a late tick does
    /// not shift the ones after it; the wait is on the stop handle, so disposing ends it at once.
    /// </summary>
    private void Run(TimeSpan period)
    {
        ThreadId = ThreadNiceness.CurrentThreadId;
        long periodTicks = Math.Max(1, (long)(period.TotalSeconds * Stopwatch.Frequency));
        long late = Stopwatch.Frequency / 200;
        long expected = Stopwatch.GetTimestamp();
        WaitHandle stop = _stop.Token.WaitHandle;
        while (true)
        {
            expected += periodTicks;
            long wait = expected - Stopwatch.GetTimestamp();
            if (wait > 0 && stop.WaitOne(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency))) return;
            if (_stop.IsCancellationRequested) return;
            long now = Stopwatch.GetTimestamp();
            if (now - expected > late)
            {
                Interlocked.Increment(ref _lateTicks);
                expected = now;
            }
            Interlocked.Increment(ref _ticks);
            foreach (var (stream, sink) in Volatile.Read(ref _streams))
            {
                stream.SendDue(now, sink);
            }
        }
    }
}
