namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Bitrate over a sliding time window of (time, size) samples in a bounded ring: the acknowledged rate (arrival
/// times) and the sent rate (send times) of <see cref="SendSideBandwidthEstimator"/>. The rate is computed once the
/// samples span a fifth of the window. The ring starts small and doubles (up to <c>capacity</c>) only when the
/// window holds more samples than it has room for, so a quiet subscriber (an audio listener) keeps a few hundred
/// bytes instead of 48 KB; growth allocates once per doubling, never per sample. Single-threaded; times in
/// microseconds.
/// </summary>
internal sealed class RateWindow(int capacity, long windowMicros)
{
    private const int InitialCapacity = 32;

    private long[] _times = new long[Math.Min(InitialCapacity, capacity)];
    private int[] _sizes = new int[Math.Min(InitialCapacity, capacity)];
    private int _head;
    private int _count;
    private long _bytes;

    /// <summary>Bits per second over the window; 0 until it spans a fifth of the window.</summary>
    public double Rate { get; private set; }

    public void Add(long time, int size)
    {
        if (_count == _times.Length)
        {
            if (_times.Length < capacity && time - _times[_head] <= windowMicros)
            {
                Grow();
            }
            else
            {
                DropOldest();
            }
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

    /// <summary>The samples in order into a ring twice as large.</summary>
    private void Grow()
    {
        int size = Math.Min(capacity, _times.Length * 2);
        var times = new long[size];
        var sizes = new int[size];
        for (int i = 0; i < _count; i++)
        {
            int from = (_head + i) % _times.Length;
            times[i] = _times[from];
            sizes[i] = _sizes[from];
        }
        _times = times;
        _sizes = sizes;
        _head = 0;
    }

    private void DropOldest()
    {
        _bytes -= _sizes[_head];
        _head = (_head + 1) % _times.Length;
        _count--;
    }
}
