namespace DigitalWeRoom.Sfu.Protocols;

/// <summary>
/// Lock-free counters of dropped input by <see cref="DropReason"/>. One instance per owner
/// (an endpoint, a transport); metrics read <see cref="Get"/>. Incrementing never allocates.
/// </summary>
public sealed class DropCounters
{
    private readonly long[] _counts = new long[byte.MaxValue + 1];

    public void Increment(DropReason reason) => Interlocked.Increment(ref _counts[(byte)reason]);

    public long Get(DropReason reason) => Volatile.Read(ref _counts[(byte)reason]);

    /// <summary>Sum of all drops (every reason except <see cref="DropReason.None"/>).</summary>
    public long Total
    {
        get
        {
            long sum = 0;
            for (int i = 1; i < _counts.Length; i++)
            {
                sum += Volatile.Read(ref _counts[i]);
            }
            return sum;
        }
    }
}
