namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// What the server tells a publisher that did not negotiate transport-cc (so cannot run send-side estimation on our
/// feedback) about its upload, sent as REMB (draft-alvestrand-rmcat-remb-03): a loss-based estimate in the manner of
/// draft-ietf-rmcat-gcc-02 §6, computed at the receiver from the publisher's streams once per interval. Under 2 % loss
/// it grows 8 % a second from the larger of itself and what arrived; over 10 % it drops to what arrived × (1 − loss/2);
/// in between it holds. Bounded by a floor and a ceiling. Pure; called from the router's media timer only.
/// </summary>
internal sealed class ReceiveSideEstimator(double initialBps, double minBps, double maxBps)
{
    private long _lastOctets = -1;
    private long _lastExpected;
    private long _lastLost;
    private long _lastMicros;

    /// <summary>Bits per second to announce.</summary>
    public double Estimate { get; private set; } = Math.Clamp(initialBps, minBps, maxBps);

    /// <summary>Loss fraction of the last interval.</summary>
    public double LastLoss { get; private set; }

    /// <summary>
    /// One interval: running totals over the publisher's video streams (octets received, packets expected and lost,
    /// RFC 3550 A.3). Returns the new estimate.
    /// </summary>
    public double Update(long octets, long expected, long lost, long nowMicros)
    {
        if (_lastOctets < 0 || octets < _lastOctets || nowMicros <= _lastMicros)
        {
            Remember(octets, expected, lost, nowMicros); // first interval, or a stream restarted: no rate yet
            return Estimate;
        }
        double seconds = (nowMicros - _lastMicros) / 1e6;
        double received = 8.0 * (octets - _lastOctets) / seconds;
        long expectedDelta = expected - _lastExpected;
        long lostDelta = Math.Max(0, lost - _lastLost);
        LastLoss = expectedDelta > 0 ? Math.Clamp((double)lostDelta / expectedDelta, 0, 1) : 0;
        if (LastLoss > 0.10)
        {
            Estimate = Math.Max(minBps, received * (1 - (0.5 * LastLoss)));
        }
        else if (LastLoss < 0.02)
        {
            Estimate = Math.Clamp(Math.Max(Estimate, received) * Math.Pow(1.08, seconds), minBps, maxBps);
        }
        Remember(octets, expected, lost, nowMicros);
        return Estimate;
    }

    private void Remember(long octets, long expected, long lost, long nowMicros)
    {
        _lastOctets = octets;
        _lastExpected = expected;
        _lastLost = lost;
        _lastMicros = nowMicros;
    }
}
