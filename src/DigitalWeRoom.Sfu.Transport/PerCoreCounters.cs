using System.Runtime.CompilerServices;

namespace DigitalWeRoom.Sfu.Transport;

/// <summary>
/// A few counters that several cores add to on every packet (a receive loop and the send workers), striped by the
/// current processor: each stripe is a 64-byte cache line of its own, so two cores adding at once do not pull one
/// line back and forth (one shared <c>Interlocked</c> field costs a cache-line transfer per add). Reading sums the
/// stripes; a sum taken while cores add is a snapshot, exact once they stop. NOTE: an array's elements are only
/// 8-byte aligned, so 64-byte stripes counted from element 0 straddled lines, and two neighbouring cores' stripes
/// could share one (by chance of the address); the stripes now start at the first 128-byte boundary of a pinned
/// array (it never moves) and are 128 bytes apart, as the adjacent-line prefetcher pulls lines in pairs.
/// </summary>
public sealed class PerCoreCounters
{
    private const int Stripes = 16;
    private const int StrideLongs = 16; // 128 bytes
    private const int LineLongs = 8; // counters per stripe at most

    // Pinned (the pinned object heap never moves it); the block before stripe 1 is left empty so the array header's
    // line (length, read by every add) is not written.
    private readonly long[] _values = GC.AllocateArray<long>((Stripes + 2) * StrideLongs, pinned: true);
    // Index of the first element on a 128-byte boundary, minus one stride: stripe s starts at _origin + s * StrideLongs.
    private readonly int _origin;

    /// <param name="counters">Counters kept (each stripe holds one of each): 1 to 8.</param>
    public PerCoreCounters(int counters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(counters, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(counters, LineLongs);
        Count = counters;
        unsafe
        {
            fixed (long* first = _values)
            {
                _origin = (int)((128 - ((nint)first & 127)) & 127) / sizeof(long);
            }
        }
    }

    /// <summary>Where stripe <paramref name="stripe"/> (1..16) starts in memory (for tests: a 128-byte boundary).</summary>
    internal unsafe nint StripeAddress(int stripe) => (nint)Unsafe.AsPointer(ref _values[_origin + (stripe * StrideLongs)]);

    /// <summary>Counters kept.</summary>
    public int Count { get; }

    /// <summary>Any thread: adds <paramref name="value"/> to counter <paramref name="counter"/> (0..Count-1).</summary>
    public void Add(int counter, long value)
    {
        int stripe = _origin + (((Thread.GetCurrentProcessorId() & (Stripes - 1)) + 1) * StrideLongs);
        Interlocked.Add(ref _values[stripe + counter], value);
    }

    /// <summary>Any thread: two adds on the same stripe (one processor-id read).</summary>
    public void Add(int counter, long value, int secondCounter, long secondValue)
    {
        int stripe = _origin + (((Thread.GetCurrentProcessorId() & (Stripes - 1)) + 1) * StrideLongs);
        Interlocked.Add(ref _values[stripe + counter], value);
        Interlocked.Add(ref _values[stripe + secondCounter], secondValue);
    }

    /// <summary>Counter <paramref name="counter"/> summed over the stripes.</summary>
    public long Sum(int counter)
    {
        long sum = 0;
        for (int i = 1; i <= Stripes; i++)
        {
            sum += Volatile.Read(ref _values[_origin + (i * StrideLongs) + counter]);
        }
        return sum;
    }
}
