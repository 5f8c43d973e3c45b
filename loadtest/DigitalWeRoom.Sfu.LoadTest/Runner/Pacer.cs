using System.Diagnostics;
using DigitalWeRoom.Sfu.LoadTest.Media;

namespace DigitalWeRoom.Sfu.LoadTest.Runner;

/// <summary>
/// Sends every active synthetic stream on a timer: each tick sends what is due (a whole video frame as a burst,
/// like an encoder). The active set is a copy-on-write array, so ticks take no lock and allocate nothing.
/// </summary>
internal sealed class Pacer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly object _gate = new();
    private (SyntheticStream Stream, IRtpSink Sink)[] _streams = [];
    private long _ticks;
    private long _lateTicks;

    public Pacer(TimeSpan period)
    {
        _loop = Task.Factory.StartNew(() => RunAsync(period), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
    }

    public long Ticks => Interlocked.Read(ref _ticks);

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
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    private async Task RunAsync(TimeSpan period)
    {
        using var timer = new PeriodicTimer(period);
        long periodTicks = (long)(period.TotalSeconds * Stopwatch.Frequency);
        long late = Stopwatch.Frequency / 200;
        long expected = Stopwatch.GetTimestamp();
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            long now = Stopwatch.GetTimestamp();
            expected += periodTicks;
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
