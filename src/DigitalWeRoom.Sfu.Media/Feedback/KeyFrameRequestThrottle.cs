namespace DigitalWeRoom.Sfu.Media.Feedback;

/// <summary>
/// Lets at most one key-frame request (PLI) per producer through per interval: subscribers' PLI/FIR (RFC 4585
/// §6.3.1, RFC 5104 §4.3.1), new consumers and resumes all funnel here. A request refused inside the interval is
/// remembered and let through by <see cref="TryAcquirePending"/> once the interval has passed, so the last
/// subscriber asking is not left without a key frame. Lock-free; callable from any loop.
/// </summary>
public sealed class KeyFrameRequestThrottle
{
    private readonly long _minIntervalTicks;
    private long _lastGranted;
    private int _granted;
    private int _pending;

    public KeyFrameRequestThrottle(TimeSpan minInterval, long timestampFrequency)
        => _minIntervalTicks = (long)(minInterval.TotalSeconds * timestampFrequency);

    public bool HasPending => Volatile.Read(ref _pending) != 0;

    public bool TryAcquire(long now)
    {
        while (true)
        {
            long last = Volatile.Read(ref _lastGranted);
            if (Volatile.Read(ref _granted) != 0 && now - last < _minIntervalTicks)
            {
                Volatile.Write(ref _pending, 1);
                return false;
            }
            if (Interlocked.CompareExchange(ref _lastGranted, now, last) == last)
            {
                Volatile.Write(ref _granted, 1);
                Volatile.Write(ref _pending, 0);
                return true;
            }
        }
    }

    /// <summary>Grants a previously refused request once the interval allows it.</summary>
    public bool TryAcquirePending(long now) => HasPending && TryAcquire(now);
}
