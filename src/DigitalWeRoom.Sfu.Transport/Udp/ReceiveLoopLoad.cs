using System.Diagnostics;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// How busy a receive loop is: the share of its time spent processing datagrams rather than waiting for the next one,
/// averaged over the last few datagrams (each weighs a quarter). A loop that is busy less than half the time has time to spare, and
/// work it would hand to another thread that is asleep (a send worker) costs less done on the loop itself than a
/// wake-up: a futex call here and two context switches there, per datagram at the rates of a small meeting. Each loop
/// keeps one (a mutable struct on its own stack) and reports every datagram (<see cref="Begin"/>, <see cref="End(long)"/>); <see cref="HasSpareTime"/> is the calling
/// thread's last verdict, and false on every thread that is not a receive loop.
/// </summary>
public struct ReceiveLoopLoad
{
    /// <summary>
    /// Longest wait that counts: after a pause of seconds the average forgets it within a dozen datagrams, so a burst
    /// that follows finds the loop busy again quickly.
    /// </summary>
    private static readonly long MaxWaitTicks = Stopwatch.Frequency / 4000; // 250 µs

    /// <summary>Weight of one datagram in the averages: 1/2^<see cref="Shift"/>.</summary>
    private const int Shift = 2;

    [ThreadStatic]
    private static bool t_spare;

    [ThreadStatic]
    private static long t_datagram;

    private long _lastEnd;
    private long _busy;
    private long _period;
    private long _datagrams;
    private long _threadBits;

    /// <summary>A meter of the calling thread whose first period starts now (the loop is about to wait for its first datagram).</summary>
    public static ReceiveLoopLoad StartNow() => new()
    {
        _lastEnd = Stopwatch.GetTimestamp(),
        _threadBits = (long)Environment.CurrentManagedThreadId << 40,
    };

    /// <summary>The calling thread is a receive loop that has lately been busy less than half the time.</summary>
    public static bool HasSpareTime => t_spare;

    /// <summary>
    /// The datagram the calling receive loop is processing, unique in the process (0: none, or not a receive loop).
    /// What it makes a thread send waits in the thread's <see cref="EgressBatch"/> until the datagram is done: a sender
    /// that sent inline during this datagram keeps sending inline until then, so nothing of it is overtaken.
    /// </summary>
    public static long CurrentDatagram => t_datagram;

    /// <summary>The loop's receive returned a datagram: returns the start time (<see cref="Stopwatch"/> ticks) for <see cref="End"/>.</summary>
    public long Begin()
    {
        t_datagram = _threadBits | ++_datagrams;
        return Stopwatch.GetTimestamp();
    }

    /// <summary>The loop is done with the datagram (its batch sent) that began at <paramref name="start"/>: updates the verdict.</summary>
    public void End(long start) => End(start, Stopwatch.GetTimestamp());

    /// <summary><see cref="End(long)"/> at <paramref name="end"/> (tests give both times).</summary>
    public void End(long start, long end)
    {
        t_datagram = 0;
        long busy = end - start;
        long period = busy + Math.Clamp(start - _lastEnd, 0, MaxWaitTicks);
        _lastEnd = end;
        _busy += (busy - _busy) >> Shift;
        _period += (period - _period) >> Shift;
        t_spare = _busy * 2 < _period;
    }

    /// <summary>The calling thread stops being a receive loop (tests that borrowed a thread).</summary>
    public static void Leave()
    {
        t_spare = false;
        t_datagram = 0;
    }
}
