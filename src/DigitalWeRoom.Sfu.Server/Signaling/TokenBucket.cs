namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>Per-connection message rate limit: refills <c>rate</c> tokens per second up to <c>burst</c>. Single-threaded use.</summary>
internal sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly double _rate;
    private readonly double _burst;
    private double _tokens;
    private long _last;

    public TokenBucket(TimeProvider time, double rate, double burst)
    {
        _time = time;
        _rate = rate;
        _burst = burst;
        _tokens = burst;
        _last = time.GetTimestamp();
    }

    public bool TryTake()
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(_burst, _tokens + (_time.GetElapsedTime(_last, now).TotalSeconds * _rate));
        _last = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
