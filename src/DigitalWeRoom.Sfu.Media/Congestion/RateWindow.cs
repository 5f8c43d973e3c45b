namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Bitrate over a sliding time window of (time, size) samples in a bounded ring: the acknowledged rate (arrival
/// times) and the sent rate (send times) of <see cref="SendSideBandwidthEstimator"/>. The rate is computed once the
/// samples span a fifth of the window. Single-threaded; no allocation after construction; times in microseconds.
/// </summary>
internal sealed class RateWindow(int capacity, long windowMicros)
{
    private readonly long[] _times = new long[capacity];
    private readonly int[] _sizes = new int[capacity];
    private int _head;
    private int _count;
    private long _bytes;

    /// <summary>Bits per second over the window; 0 until it spans a fifth of the window.</summary>
    public double Rate { get; private set; }

    public void Add(long time, int size)
    {
        if (_count == _times.Length)
        {
            DropOldest();
        }
        int tail = (_head + _count) % _times.Length;
        _times[tail] = time;
        _sizes[tail] = size;
        _count++;
        _bytes += size;
        while (_count > 1 && time - _times[_head] > windowMicros)
        {
            DropOldest();
        }
        long span = time - _times[_head];
        if (span >= windowMicros / 5)
        {
            Rate = _bytes * 8 * 1_000_000.0 / span;
        }
    }

    private void DropOldest()
    {
        _bytes -= _sizes[_head];
        _head = (_head + 1) % _times.Length;
        _count--;
    }
}
