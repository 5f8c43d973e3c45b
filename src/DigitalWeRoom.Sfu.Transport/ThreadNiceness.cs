using System.Runtime.InteropServices;

namespace DigitalWeRoom.Sfu.Transport;

/// <summary>
/// The Linux nice value of the calling thread. Join work (DTLS handshakes: ECDHE and ECDSA on BouncyCastle) runs at a
/// positive nice so that on a busy machine the scheduler (CFS weights: nice 0 = 1024, nice 10 = 110) keeps giving the
/// media threads (receive loops, send workers, the load generator's pacer and probes) the CPU they need while joins
/// are admitted; with no media to forward, joins still get every idle cycle.
/// </summary>
/// <remarks>
/// .NET's <see cref="Thread.Priority"/> does nothing on Linux. <c>setpriority(PRIO_PROCESS, tid, n)</c> sets one
/// thread's nice (setpriority(2), NOTES: the value is per thread on Linux); raising it needs no privilege.
/// </remarks>
public static partial class ThreadNiceness
{
    private const int PrioProcess = 0;
    private const long SysGettid = 186;

    /// <summary>The nice of DTLS handshake threads and other join work (0: leave them as they are).</summary>
    public const int JoinWork = 10;

    [ThreadStatic]
    private static int t_applied;

    /// <summary>Whether this platform supports per-thread nice (Linux x86-64; elsewhere every call is a no-op).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    /// <summary>The calling thread's kernel id (gettid), or -1 where unsupported.</summary>
    public static int CurrentThreadId => IsSupported ? (int)Syscall(SysGettid) : -1;

    /// <summary>
    /// Raises the calling thread's nice to <paramref name="nice"/> (1..19) unless it already is at least that; true if
    /// the thread now runs at that nice or lower priority. Never lowers a nice (that needs CAP_SYS_NICE).
    /// </summary>
    public static bool LowerCurrentThread(int nice)
    {
        if (nice is < 1 or > 19 || !IsSupported) return false;
        if (t_applied >= nice) return true;
        int tid = (int)Syscall(SysGettid);
        if (tid <= 0) return false;
        if (Get(tid) is int now && now >= nice)
        {
            t_applied = now;
            return true;
        }
        if (SetPriority(PrioProcess, (uint)tid, nice) != 0) return false;
        t_applied = nice;
        return true;
    }

    /// <summary>The nice of thread <paramref name="tid"/> (null where unsupported or unreadable).</summary>
    public static int? Get(int tid)
    {
        if (!IsSupported || tid <= 0) return null;
        // getpriority may return -1 legitimately: clear errno first (getpriority(2)).
        Marshal.SetLastPInvokeError(0);
        int value = GetPriority(PrioProcess, (uint)tid);
        return value == -1 && Marshal.GetLastPInvokeError() != 0 ? null : value;
    }

    [LibraryImport("libc", EntryPoint = "syscall")]
    private static partial long Syscall(long number);

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, uint who, int prio);

    [LibraryImport("libc", EntryPoint = "getpriority", SetLastError = true)]
    private static partial int GetPriority(int which, uint who);
}
