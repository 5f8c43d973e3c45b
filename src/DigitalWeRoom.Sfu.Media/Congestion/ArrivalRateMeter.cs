namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// The rate at which forwarded RTP reaches a transport's pacer, measured over consecutive 250 ms windows: the pacer
/// never paces below it (fitting the streams to the estimate is the <see cref="LayerAllocator"/>'s job). Send loop
/// only; no allocation.
/// </summary>
internal sealed class ArrivalRateMeter
{
    /// <summary>Window over which the rate is measured.</summary>
    private const long WindowMicros = 250_000;

    private long _windowStart = long.MinValue;
    private long _windowBytes;

    /// <summary>Bits per second over the last complete window; positive infinity until one has been measured.</summary>
    public double Bps { get; private set; } = double.PositiveInfinity;

    public void Add(int bytes, long nowMicros)
    {
        if (_windowStart == long.MinValue)
        {
            _windowStart = nowMicros;
        }
        else if (nowMicros - _windowStart >= WindowMicros)
        {
            Bps = _windowBytes * 8_000_000.0 / (nowMicros - _windowStart);
            _windowStart = nowMicros;
            _windowBytes = 0;
        }
        _windowBytes += bytes;
    }
}
