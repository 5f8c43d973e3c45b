namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Decides whether a subscriber's bandwidth estimate caps its layer allocation. A send-side estimate cannot rise
/// above 1.5 × what is acknowledged (draft-ietf-rmcat-gcc-02 §5.5), and the server sends no padding probes, so a
/// subscriber that only gets low layers would never see an estimate large enough to move up. The gate therefore
/// applies the estimate only while the link has shown congestion (loss above <c>lossThreshold</c>, or over-use held
/// for <c>sustainedOveruse</c>) within the hold time; after a quiet hold the cap is lifted, the layers go up and so
/// probe the link with real media. Congestion soon after a release doubles the next hold (up to the maximum);
/// a release that lasts resets it. Pure; single-threaded (the owner locks); times in microseconds.
/// </summary>
public sealed class CongestionGate
{
    private readonly long _initialHold;
    private readonly long _maxHold;
    private readonly long _sustainedOveruse;
    private readonly double _lossThreshold;
    private long _overuseSince = long.MinValue;
    private long _lastCongestion = long.MinValue;
    private long _releasedAt = long.MinValue;

    public CongestionGate(long initialHoldMicros = 4_000_000, long maxHoldMicros = 16_000_000, long sustainedOveruseMicros = 500_000, double lossThreshold = 0.10)
    {
        _initialHold = initialHoldMicros;
        _maxHold = Math.Max(initialHoldMicros, maxHoldMicros);
        _sustainedOveruse = sustainedOveruseMicros;
        _lossThreshold = lossThreshold;
        HoldMicros = initialHoldMicros;
    }

    /// <summary>True while the estimate caps allocation.</summary>
    public bool IsLimited { get; private set; }

    /// <summary>Current hold: how long after the last congestion the cap stays.</summary>
    public long HoldMicros { get; private set; }

    /// <summary>Times the cap was applied (congestion seen while unlimited).</summary>
    public long Limitations { get; private set; }

    /// <summary>One feedback's verdict. True when <see cref="IsLimited"/> changed.</summary>
    public bool OnFeedback(BandwidthUsage usage, double lossFraction, long now)
    {
        bool overuseHeld = false;
        if (usage == BandwidthUsage.Overusing)
        {
            if (_overuseSince == long.MinValue) _overuseSince = now;
            overuseHeld = now - _overuseSince >= _sustainedOveruse;
        }
        else
        {
            _overuseSince = long.MinValue;
        }

        if (lossFraction > _lossThreshold || overuseHeld)
        {
            _lastCongestion = now;
            if (IsLimited) return false;
            bool soonAfterRelease = _releasedAt != long.MinValue && now - _releasedAt < Math.Max(2 * HoldMicros, 10_000_000);
            HoldMicros = soonAfterRelease ? Math.Min(2 * HoldMicros, _maxHold) : _initialHold;
            IsLimited = true;
            Limitations++;
            return true;
        }

        if (IsLimited && now - _lastCongestion >= HoldMicros)
        {
            IsLimited = false;
            _releasedAt = now;
            return true;
        }
        return false;
    }
}
