namespace DigitalWeRoom.Sfu.Server.Memory;

/// <summary>Section <c>Sfu:Memory</c>: when the server gives the GC's free memory back to the system (<see cref="HeapTrim"/>).</summary>
public sealed class HeapTrimOptions
{
    public const string SectionName = "Sfu:Memory";

    /// <summary>Collect and decommit once rooms have settled after a change (join, leave, room closed).</summary>
    public bool TrimWhenSettled { get; set; } = true;

    /// <summary>How long no participant may join or leave (and no room open or close) before the collection.</summary>
    public TimeSpan SettleDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>At most one collection per this interval (each one pauses the process for a few milliseconds).</summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// No collection while the heap (as the GC last found it, garbage included) is larger: the pause grows with the live
    /// data (11–25 ms for the 6-person meeting's 9–21 MB on a busy machine, docs/benchmarks.md), and a server that
    /// busy keeps its memory in use; the GC's own gradual decommit still applies.
    /// </summary>
    public long MaxHeapBytes { get; set; } = 64L << 20;
}
