using System.Numerics;

namespace DigitalWeRoom.Sfu.LoadTest.Stats;

/// <summary>
/// Fixed-size log-linear histogram of microsecond values: exact below 256 µs, then 128 sub-buckets per power of two
/// (under 0.8 % relative error). Recording is one array increment, no allocation; one writer per instance
/// (a subscriber's receive thread), merged after the run.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearBuckets = 256;
    private const int SubBucketBits = 7;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int MaxShift = 40;
    private readonly long[] _counts = new long[LinearBuckets + (MaxShift * SubBuckets)];

    public long Count { get; private set; }

    public long Max { get; private set; }

    public long Min { get; private set; } = long.MaxValue;

    public double Sum { get; private set; }

    public void Record(long micros)
    {
        if (micros < 0)
        {
            micros = 0;
        }
        _counts[IndexOf(micros)]++;
        Count++;
        Sum += micros;
        if (micros > Max) Max = micros;
        if (micros < Min) Min = micros;
    }

    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }
        Count += other.Count;
        Sum += other.Sum;
        if (other.Count > 0)
        {
            Max = Math.Max(Max, other.Max);
            Min = Math.Min(Min, other.Min);
        }
    }

    /// <summary>Nearest-rank percentile (p in 0..100), reported as the upper bound of its bucket, capped at Max.</summary>
    public long Percentile(double p)
    {
        if (Count == 0)
        {
            return 0;
        }
        long rank = Math.Max(1, (long)Math.Ceiling(p / 100.0 * Count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(UpperBound(i), Max);
            }
        }
        return Max;
    }

    internal static int IndexOf(long value)
    {
        if (value < LinearBuckets)
        {
            return (int)value;
        }
        int msb = 63 - BitOperations.LeadingZeroCount((ulong)value);
        int shift = msb - SubBucketBits;
        if (shift > MaxShift)
        {
            return LinearBuckets + (MaxShift * SubBuckets) - 1;
        }
        int sub = (int)((value >> shift) & (SubBuckets - 1));
        return LinearBuckets + ((shift - 1) * SubBuckets) + sub;
    }

    internal static long UpperBound(int index)
    {
        if (index < LinearBuckets)
        {
            return index;
        }
        int shift = ((index - LinearBuckets) / SubBuckets) + 1;
        int sub = (index - LinearBuckets) % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << shift) - 1;
    }
}
