using System.Runtime.InteropServices;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// How busy a receive loop is: the CPU time its thread used over its last <see cref="Window"/> datagrams, as a share
/// of the wall-clock time they took. A loop that used less than half has time to spare, and work it would hand to
/// another thread that is asleep (a send worker) costs less done on the loop itself than a wake-up: a futex call here
/// and two context switches there, per datagram at the rates of a small meeting. CPU time, not wall-clock time spent
/// processing: on a machine whose cores are shared, a loop preempted in the middle of a datagram has not worked.
/// Each loop keeps one (a mutable struct on its own stack) and reports every datagram (<see cref="Begin"/>,
/// <see cref="End()"/>); the two clock reads (one a syscall) are paid once per window. <see cref="HasSpareTime"/> is
/// the calling thread's last verdict, and false on every thread that is not a receive loop, and where the thread's
/// CPU time cannot be read (anything but Linux).
/// </summary>
public partial struct ReceiveLoopLoad
{
    /// <summary>Datagrams per measurement: a burst after a pause is seen within two windows.</summary>
    public const int Window = 16;

    private const int ClockMonotonic = 1;
    private const int ClockThreadCpuTime = 3;

    [ThreadStatic]
    private static bool t_spare;

    [ThreadStatic]
    private static long t_datagram;

    private long _windowWall;
    private long _windowCpu;
    private int _inWindow;
    private long _datagrams;
    private long _threadBits;

    /// <summary>A meter of the calling thread whose first window starts now.</summary>
    public static ReceiveLoopLoad StartNow() => new()
    {
        _windowWall = Nanoseconds(ClockMonotonic),
        _windowCpu = Nanoseconds(ClockThreadCpuTime),
        _threadBits = (long)Environment.CurrentManagedThreadId << 40,
    };

    /// <summary>The calling thread is a receive loop that used less than half of its last window's time.</summary>
    public static bool HasSpareTime => t_spare;

    /// <summary>
    /// The datagram the calling receive loop is processing, unique in the process (0: none, or not a receive loop).
    /// What it makes a thread send waits in the thread's <see cref="EgressBatch"/> until the datagram is done: a sender
    /// that sent inline during this datagram keeps sending inline until then, so nothing of it is overtaken.
    /// </summary>
    public static long CurrentDatagram => t_datagram;

    /// <summary>The loop's receive returned a datagram.</summary>
    public void Begin() => t_datagram = _threadBits | ++_datagrams;

    /// <summary>The loop is done with the datagram (its batch sent); every <see cref="Window"/>th one renews the verdict.</summary>
    public void End()
    {
        t_datagram = 0;
        if (++_inWindow >= Window)
        {
            End(Nanoseconds(ClockMonotonic), Nanoseconds(ClockThreadCpuTime));
        }
    }

    /// <summary>The datagram is done and the window with it, the clocks reading <paramref name="wallNanos"/> and <paramref name="cpuNanos"/> (tests give both).</summary>
    public void End(long wallNanos, long cpuNanos)
    {
        t_datagram = 0;
        long wall = wallNanos - _windowWall;
        long cpu = cpuNanos - _windowCpu;
        t_spare = cpuNanos >= 0 && _windowCpu >= 0 && cpu * 2 < wall;
        _windowWall = wallNanos;
        _windowCpu = cpuNanos;
        _inWindow = 0;
    }

    /// <summary>The calling thread stops being a receive loop (tests that borrowed a thread).</summary>
    public static void Leave()
    {
        t_spare = false;
        t_datagram = 0;
    }

    /// <summary>clock_gettime(2) of <paramref name="clock"/> in nanoseconds; -1 where unavailable.</summary>
    private static long Nanoseconds(int clock)
    {
        if (!OperatingSystem.IsLinux() || IntPtr.Size != 8 || ClockGetTime(clock, out var time) != 0)
        {
            return -1;
        }
        return (time.Seconds * 1_000_000_000) + time.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}
