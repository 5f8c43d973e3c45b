using System.Diagnostics;
using System.Globalization;
using DigitalWeRoom.Sfu.LoadTest.Media;

namespace DigitalWeRoom.Sfu.LoadTest.Stats;

/// <summary>
/// The probes' packets that arrived at least <see cref="ThresholdMicros"/> after they were sent, one entry each, for
/// finding what makes a latency tail (<c>--late-log</c>): whether the late packets come together in time (the whole
/// path stalled: scheduling, GC) or belong to some streams, layers, key frames or positions in a frame. Bounded
/// (entries past <see cref="Capacity"/> are only counted), no allocation per packet; any receive thread records.
/// </summary>
internal sealed class LatePacketLog
{
    /// <param name="ReceivedTicks">Stopwatch ticks at the receiver.</param>
    /// <param name="Layer">Simulcast layer index, -1 for a stream that is not a layer.</param>
    /// <param name="Position">Packet's index in its video frame (0: first), -1 for audio.</param>
    /// <param name="KernelMicros">
    /// From the send stamp to this host's kernel receiving the datagram (SIOCGSTAMPNS, with <c>DWR_PATH_TRACE=1</c>;
    /// -1: unknown). Late at the kernel: the server (or the wire) held it; on time at the kernel but late in
    /// <see cref="LatencyMicros"/>: this process's receive thread read it late.
    /// </param>
    /// <param name="Thread">The managed thread that read it (a receive pump thread serves many probes: a stall of one
    /// thread makes all its probes late together, whatever the server did).</param>
    public readonly record struct Entry(long ReceivedTicks, long LatencyMicros, int Subscriber, int Publisher, StreamKind Kind, int Layer, int Position, bool KeyFrame, long Sequence, long KernelMicros = -1, int Thread = 0);

    private readonly Entry[] _entries;
    private int _count;
    private long _overflow;

    public LatePacketLog(long thresholdMicros, int capacity = 1 << 20)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(thresholdMicros);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ThresholdMicros = thresholdMicros;
        _entries = new Entry[capacity];
    }

    public long ThresholdMicros { get; }

    /// <summary>Stopwatch ticks when the log was made (the CSV's time origin).</summary>
    public long StartTicks { get; } = Stopwatch.GetTimestamp();

    /// <summary>Stopwatch ticks when the run's measured window began (0: not yet).</summary>
    public long MeasureStartTicks { get; set; }

    public int Capacity => _entries.Length;

    /// <summary>Entries kept.</summary>
    public int Count => Math.Min(Volatile.Read(ref _count), _entries.Length);

    /// <summary>Late packets not kept (the log was full).</summary>
    public long Overflow => Interlocked.Read(ref _overflow);

    public IReadOnlyList<Entry> Entries => new ArraySegment<Entry>(_entries, 0, Count);

    /// <summary>Keeps the packet when it is late; returns whether it was.</summary>
    public bool Record(in Entry entry)
    {
        if (entry.LatencyMicros < ThresholdMicros) return false;
        int slot = Interlocked.Increment(ref _count) - 1;
        if (slot >= _entries.Length)
        {
            Interlocked.Increment(ref _overflow);
            return true;
        }
        _entries[slot] = entry;
        return true;
    }

    /// <summary>
    /// CSV, one late packet a line: receive time in ms since <see cref="StartTicks"/>, latency in ms, then the entry's
    /// fields; a first comment line gives the threshold and when the measured window began.
    /// </summary>
    public void WriteCsv(TextWriter writer)
    {
        var c = CultureInfo.InvariantCulture;
        long startTicks = StartTicks;
        double measureStart = MeasureStartTicks == 0 ? double.NaN : (MeasureStartTicks - startTicks) * 1000.0 / Stopwatch.Frequency;
        writer.WriteLine(string.Create(c, $"# late >= {ThresholdMicros / 1000.0:0.###} ms; measured window from t_ms {measureStart:0.000}"));
        writer.WriteLine("t_ms,latency_ms,subscriber,publisher,kind,layer,position,keyframe,sequence,kernel_ms,thread");
        foreach (var e in Entries.OrderBy(e => e.ReceivedTicks))
        {
            double t = (e.ReceivedTicks - startTicks) * 1000.0 / Stopwatch.Frequency;
            writer.WriteLine(string.Create(c, $"{t:0.000},{e.LatencyMicros / 1000.0:0.000},{e.Subscriber},{e.Publisher},{(e.Kind == StreamKind.Audio ? "audio" : "video")},{e.Layer},{e.Position},{(e.KeyFrame ? 1 : 0)},{e.Sequence},{(e.KernelMicros < 0 ? "" : (e.KernelMicros / 1000.0).ToString("0.000", c))},{e.Thread}"));
        }
        if (Overflow > 0) writer.WriteLine(string.Create(c, $"# {Overflow} more late packets not kept (log full)"));
    }
}
