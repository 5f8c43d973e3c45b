namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Bitrate of one received stream (a simulcast layer) from its running octet count, sampled when the allocator
/// runs: at least half a second per sample, averaged with the previous sample. Thread-safe (any subscriber's
/// receive loop may sample); no allocation.
/// </summary>
public sealed class BitrateMeter
{
    private readonly object _gate = new();
    private long _lastOctets;
    private long _lastAt = long.MinValue;
    private double _rate;

    /// <summary>Last computed rate (bits/s); 0 until two samples half a second apart.</summary>
    public double Rate
    {
        get
        {
            lock (_gate) return _rate;
        }
    }

    /// <summary>Feeds the running octet count at <paramref name="now"/> (ticks of <paramref name="frequency"/>); returns the rate.</summary>
    public double Sample(long octets, long now, long frequency)
    {
        lock (_gate)
        {
            if (_lastAt == long.MinValue || octets < _lastOctets)
            {
                _lastAt = now;
                _lastOctets = octets;
                return _rate;
            }
            long elapsed = now - _lastAt;
            if (elapsed < frequency / 2) return _rate;
            double rate = (octets - _lastOctets) * 8.0 * frequency / elapsed;
            _rate = _rate == 0 || elapsed > 5 * frequency ? rate : (0.5 * _rate) + (0.5 * rate);
            _lastAt = now;
            _lastOctets = octets;
            return _rate;
        }
    }
}
