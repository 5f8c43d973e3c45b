using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace DigitalWeRoom.Sfu.Transport.Diagnostics;

/// <summary>
/// Bench flag <c>DWR_PATH_TRACE=1</c> (server and load generator): where a forwarded packet's one-way latency goes.
/// Each stage is timed against the load generator's send stamp (the last 28 bytes of its synthetic payloads, magic
/// "DWRL", send time in <see cref="Stopwatch"/> ticks = CLOCK_MONOTONIC ns, shared by every process of the host):
/// the server's kernel receive time (SIOCGSTAMPNS, CLOCK_REALTIME moved onto the monotonic clock), the receive loop's
/// dequeue, the router after SRTP decryption, the send (inline on the receive loop or on a send worker), the
/// <c>sendmmsg</c> that carried it, and in the generator its own kernel receive time and its decrypt. Histograms by
/// class (audio; video by packet position in its frame, <c>DWR_PATH_TRACE_PPF</c> packets per frame, default 5) are
/// printed as <c>PATHTRACE</c> lines to stderr every 5 s and at exit. Off (the default), every hook is one test of a
/// static readonly field the JIT folds away, and nothing is allocated.
/// Internal: other assemblies reach it only through <see cref="PathTraceHooks"/> (the router, the send path, the load
/// generator), so no caller outside Transport can index the histograms or ioctl a socket.
/// </summary>
internal static partial class PathTrace
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("DWR_PATH_TRACE") == "1";
    public static readonly int PacketsPerFrame = int.TryParse(Environment.GetEnvironmentVariable("DWR_PATH_TRACE_PPF"), out int p) && p is > 0 and < 64 ? p : 5;
    private static readonly long s_offsetNs = Offset();
    private const int Buckets = 20000; // 1 us each up to 20 ms
    private const int Classes = 10; // 0 audio, 1.. video position
    private static readonly string[] s_stages = ["kernel", "dequeue", "routed", "send.worker", "send.inline", "flush", "g.kernel", "g.onrtp", "flush.worker"];
    private static readonly long[] s_hist = Enabled ? new long[s_stages.Length * Classes * Buckets] : [];
    private static readonly Timer? s_timer = Enabled ? new Timer(_ => Print(), null, 5000, 5000) : null;

    [ThreadStatic] private static long t_kernel;
    [ThreadStatic] private static long t_dequeue;
    [ThreadStatic] private static long[]? t_pending;
    [ThreadStatic] private static int t_pendingCount;

    public const int Kernel = 0, Dequeue = 1, Routed = 2, SendWorker = 3, SendInline = 4, Flush = 5, GKernel = 6, GOnRtp = 7, FlushWorker = 8;

    static PathTrace()
    {
        if (Enabled) AppDomain.CurrentDomain.ProcessExit += (_, _) => Print();
    }

    private static long Offset()
    {
        long best = long.MaxValue, offset = 0;
        for (int i = 0; i < 50; i++)
        {
            long a = Stopwatch.GetTimestamp();
            long rt = (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;
            long b = Stopwatch.GetTimestamp();
            if (b - a < best) { best = b - a; offset = rt - (a + b) / 2; }
        }
        return offset;
    }

    /// <summary>Receive loop, after a datagram was read: kernel receive time (SIOCGSTAMPNS) and now.</summary>
    public static unsafe void OnReceived(Socket socket)
    {
        long now = Stopwatch.GetTimestamp();
        Timespec ts;
        t_kernel = Ioctl((int)socket.Handle, 0x8907, &ts) == 0 ? ts.Sec * 1_000_000_000L + ts.Nsec - s_offsetNs : 0;
        t_dequeue = now;
    }

    public static long LastKernel => t_kernel;

    /// <summary>Reads the generator's stamp from a plain RTP packet: send ticks and class; false if none.</summary>
    public static bool TryStamp(ReadOnlySpan<byte> rtp, out long sent, out int cls)
    {
        sent = 0; cls = 0;
        if (rtp.Length < 12 + 28) return false;
        var s = rtp[^28..];
        if (BinaryPrimitives.ReadUInt32BigEndian(s) != 0x4457524C || s[8] > 1) return false;
        sent = BinaryPrimitives.ReadInt64BigEndian(s[20..]);
        long seq = BinaryPrimitives.ReadInt64BigEndian(s[12..]);
        cls = s[8] == 0 ? 0 : 1 + (int)(seq % PacketsPerFrame);
        if (cls >= Classes) cls = Classes - 1;
        return true;
    }

    public static void Record(int stage, int cls, long sent, long at)
    {
        if (at == 0 || s_hist.Length == 0) return;
        long us = (at - sent) / 1000;
        if (us < 0) us = 0;
        if (us >= Buckets) us = Buckets - 1;
        Interlocked.Increment(ref s_hist[(stage * Classes + cls) * Buckets + us]);
    }

    /// <summary>Router, server side: kernel, dequeue, routed for this packet.</summary>
    public static void OnRouted(ReadOnlySpan<byte> rtp)
    {
        if (!TryStamp(rtp, out long sent, out int cls)) return;
        Record(Kernel, cls, sent, t_kernel);
        Record(Dequeue, cls, sent, t_dequeue);
        Record(Routed, cls, sent, Stopwatch.GetTimestamp());
    }

    /// <summary>Send path: before protection; remembered until the thread's batch flushes.</summary>
    public static void OnSend(ReadOnlySpan<byte> rtp, bool worker)
    {
        if (!TryStamp(rtp, out long sent, out int cls)) return;
        Record(worker ? SendWorker : SendInline, cls, sent, Stopwatch.GetTimestamp());
        var pending = t_pending ??= new long[256];
        if (t_pendingCount < 128)
        {
            pending[t_pendingCount * 2] = sent;
            pending[t_pendingCount * 2 + 1] = cls + (worker ? 1000 : 0);
            t_pendingCount++;
        }
    }

    public static void OnFlush()
    {
        if (t_pendingCount == 0 || t_pending is null) return;
        long now = Stopwatch.GetTimestamp();
        for (int i = 0; i < t_pendingCount; i++)
        {
            int c = (int)t_pending![i * 2 + 1];
            Record(c >= 1000 ? FlushWorker : Flush, c % 1000, t_pending[i * 2], now);
        }
        t_pendingCount = 0;
    }

    private static void Print()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("PATHTRACE p50/p99 us by class (audio, v0..)\n");
        for (int st = 0; st < s_stages.Length; st++)
        {
            var line = new System.Text.StringBuilder();
            bool any = false;
            for (int c = 0; c < Classes; c++)
            {
                long n = 0;
                int off = (st * Classes + c) * Buckets;
                for (int b = 0; b < Buckets; b++) n += s_hist[off + b];
                if (n == 0) continue;
                any = true;
                line.Append($" {(c == 0 ? "a" : "v" + (c - 1))}:{Pct(off, n, 0.5)}/{Pct(off, n, 0.99)} n{n}");
            }
            if (any) sb.Append($"PATHTRACE {s_stages[st],-12}{line}\n");
        }
        Console.Error.Write(sb.ToString());
    }

    private static int Pct(int off, long n, double q)
    {
        long want = (long)Math.Ceiling(n * q), acc = 0;
        for (int b = 0; b < Buckets; b++)
        {
            acc += s_hist[off + b];
            if (acc >= want) return b;
        }
        return Buckets;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Sec;
        public long Nsec;
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int Ioctl(int fd, ulong request, Timespec* ts);
}
