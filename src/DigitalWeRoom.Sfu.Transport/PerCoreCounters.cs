namespace DigitalWeRoom.Sfu.Transport;

/// <summary>
/// A few counters that several cores add to on every packet (a receive loop and the send workers), striped by the
/// current processor: each stripe is a 64-byte cache line of its own, so two cores adding at once do not pull one
/// line back and forth (one shared <c>Interlocked</c> field costs a cache-line transfer per add). Reading sums the
/// stripes; a sum taken while cores add is a snapshot, exact once they stop.
/// </summary>
public sealed class PerCoreCounters
{
    private const int Stripes = 16;
    private const int LineLongs = 8; // 64 bytes

    // Stripe 0's line is left empty so the array header's line (length, read by every add) is not written.
    private readonly long[] _values = new long[(Stripes + 1) * LineLongs];

    /// <param name="counters">Counters kept (each stripe holds one of each): 1 to 8.</param>
    public PerCoreCounters(int counters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(counters, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(counters, LineLongs);
        Count = counters;
    }

    /// <summary>Counters kept.</summary>
    public int Count { get; }

    /// <summary>Any thread: adds <paramref name="value"/> to counter <paramref name="counter"/> (0..Count-1).</summary>
    public void Add(int counter, long value)
    {
        int stripe = ((Thread.GetCurrentProcessorId() & (Stripes - 1)) + 1) * LineLongs;
        Interlocked.Add(ref _values[stripe + counter], value);
    }

    /// <summary>Any thread: two adds on the same stripe (one processor-id read).</summary>
    public void Add(int counter, long value, int secondCounter, long secondValue)
    {
        int stripe = ((Thread.GetCurrentProcessorId() & (Stripes - 1)) + 1) * LineLongs;
        Interlocked.Add(ref _values[stripe + counter], value);
        Interlocked.Add(ref _values[stripe + secondCounter], secondValue);
    }

    /// <summary>Counter <paramref name="counter"/> summed over the stripes.</summary>
    public long Sum(int counter)
    {
        long sum = 0;
        for (int i = 1; i <= Stripes; i++)
        {
            sum += Volatile.Read(ref _values[(i * LineLongs) + counter]);
        }
        return sum;
    }
}
