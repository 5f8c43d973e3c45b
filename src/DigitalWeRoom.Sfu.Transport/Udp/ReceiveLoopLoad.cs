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

    [ThreadStatic]
    private static int t_slot;

    // Each loop's datagram in progress, one 64-byte line per loop slot (slot 0 unused: "no loop"), so that another
    // thread can tell whether a datagram is still being processed (IsInProgress). Slots are handed out round-robin;
    // past 64 live loops two share one, and a datagram overwritten by the other's reads as done.
    private const int Slots = 64;
    private const int SlotStride = 8;
    private static readonly long[] s_inProgress = new long[(Slots + 1) * SlotStride];
    private static int s_nextSlot;

    private long _windowWall;
    private long _windowCpu;
    private int _inWindow;
    private long _datagrams;
    private long _threadBits;
    private int _slot;

    /// <summary>A meter of the calling thread whose first window starts now.</summary>
    public static ReceiveLoopLoad StartNow()
    {
        int slot = (int)((uint)Interlocked.Increment(ref s_nextSlot) % Slots) + 1;
        t_slot = slot;
        return new()
        {
            _windowWall = Nanoseconds(ClockMonotonic),
            _windowCpu = Nanoseconds(ClockThreadCpuTime),
            // Slot (7 bits) | managed thread id (16) | datagram count (40): unique in the process, and positive.
            _threadBits = ((long)slot << 56) | ((long)(Environment.CurrentManagedThreadId & 0xFFFF) << 40),
            _slot = slot,
        };
    }

    /// <summary>
    /// Whether <paramref name="datagram"/> (a <see cref="CurrentDatagram"/> of any loop) is still being processed by its
    /// loop: what it made its thread send may still wait in that thread's <see cref="EgressBatch"/>. False for 0.
    /// </summary>
    public static bool IsInProgress(long datagram)
    {
        int slot = (int)(datagram >>> 56);
        return slot is > 0 and <= Slots && Volatile.Read(ref s_inProgress[slot * SlotStride]) == datagram;
    }

    /// <summary>The calling thread is a receive loop that used less than half of its last window's time.</summary>
    public static bool HasSpareTime => t_spare;

    /// <summary>
    /// The datagram the calling receive loop is processing, unique in the process (0: none, or not a receive loop).
    /// What it makes a thread send waits in the thread's <see cref="EgressBatch"/> until the datagram is done: a sender
    /// that sent inline during this datagram keeps sending inline until then, so nothing of it is overtaken.
    /// </summary>
    public static long CurrentDatagram => t_datagram;

    /// <summary>The loop's receive returned a datagram.</summary>
    public void Begin()
    {
        long datagram = _threadBits | (++_datagrams & ((1L << 40) - 1));
        t_datagram = datagram;
        Volatile.Write(ref s_inProgress[_slot * SlotStride], datagram);
    }

    /// <summary>The loop is done with the datagram (its batch sent); every <see cref="Window"/>th one renews the verdict.</summary>
    public void End()
    {
        Done();
        if (++_inWindow >= Window)
        {
            End(Nanoseconds(ClockMonotonic), Nanoseconds(ClockThreadCpuTime));
        }
    }

    /// <summary>The datagram is done and the window with it, the clocks reading <paramref name="wallNanos"/> and <paramref name="cpuNanos"/> (tests give both).</summary>
    public void End(long wallNanos, long cpuNanos)
    {
        Done();
        long wall = wallNanos - _windowWall;
        long cpu = cpuNanos - _windowCpu;
        t_spare = cpuNanos >= 0 && _windowCpu >= 0 && cpu * 2 < wall;
        _windowWall = wallNanos;
        _windowCpu = cpuNanos;
        _inWindow = 0;
    }

    private readonly void Done()
    {
        t_datagram = 0;
        if (_slot > 0)
        {
            Volatile.Write(ref s_inProgress[_slot * SlotStride], 0);
        }
    }

    /// <summary>The calling thread stops being a receive loop (tests that borrowed a thread).</summary>
    public static void Leave()
    {
        t_spare = false;
        t_datagram = 0;
        if (t_slot > 0)
        {
            Volatile.Write(ref s_inProgress[t_slot * SlotStride], 0);
            t_slot = 0;
        }
    }

    /// <summary>The calling thread's CPU time in nanoseconds (CLOCK_THREAD_CPUTIME_ID); -1 where unavailable. Allocates nothing.</summary>
    public static long ThreadCpuNanoseconds() => Nanoseconds(ClockThreadCpuTime);

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
