namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Delay-based rate controller (draft-ietf-rmcat-gcc-02 §5.5). States Increase / Hold / Decrease driven by the
/// over-use signal: over-use → Decrease (A = β·R, β = 0.85, R = acknowledged bitrate); under-use → Hold; normal →
/// Increase. Increase is multiplicative (8 %/s) while far from the last congestion point, additive (about one
/// 1,200-byte packet per response time) when the acknowledged rate is within 3σ of the average rate at past
/// decreases. Increase never takes the estimate above 1.5·R, except up to a probe's measured rate for
/// <see cref="ProbeHoldMs"/> after the probe (<see cref="OnProbe"/>), so the allocator can use it before real media
/// fills it. While the sender is application-limited (it sends less than half the estimate and the link carries
/// what it sends) an over-use cannot mean that the estimate is too high by R/A: the decrease is then gentle, to
/// max(β·R, β·A) at most once per <see cref="AppLimitedDecreaseIntervalMs"/>, instead of collapsing to β × a small
/// audio-only R.
/// </summary>
internal sealed class AimdRateControl
{
    private const double Beta = 0.85;
    private const double MultiplicativeRatePerSecond = 1.08;
    private const double PacketBits = 1200 * 8;

    /// <summary>How long a probe result holds the estimate up against the 1.5·R increase cap.</summary>
    public const double ProbeHoldMs = 10_000;

    /// <summary>Application-limited, at most one (gentle) decrease per this interval.</summary>
    public const double AppLimitedDecreaseIntervalMs = 1000;

    private readonly double _min;
    private readonly double _max;
    private double _rate;
    private double _lastUpdateMs = double.NaN;
    private double _averageMaxKbps = -1;
    private double _varianceMaxKbps = 0.4;
    private RateControlState _state = RateControlState.Increase;
    private double _probeBps;
    private double _probeUntilMs = double.NegativeInfinity;
    private double _lastGentleDecreaseMs = double.NegativeInfinity;

    public AimdRateControl(double initialBps, double minBps, double maxBps)
    {
        _rate = initialBps;
        _min = minBps;
        _max = maxBps;
    }

    public double Estimate => _rate;

    public RateControlState State => _state;

    /// <summary>Round-trip time used for the additive step (response time = 100 ms + RTT).</summary>
    public double RttMs { get; set; } = 100;

    /// <summary>Decreases so far that were gentle (application-limited).</summary>
    public long GentleDecreases { get; private set; }

    /// <summary>A probe cluster measured <paramref name="probeBps"/>: the estimate rises to it (never falls) and may stay there for <see cref="ProbeHoldMs"/>.</summary>
    public double OnProbe(double probeBps, double nowMs)
    {
        _rate = Math.Clamp(Math.Max(_rate, probeBps), _min, _max);
        _probeBps = probeBps;
        _probeUntilMs = nowMs + ProbeHoldMs;
        return _rate;
    }

    /// <summary>One feedback's over-use signal; <paramref name="sentBps"/> (optional) is what was sent meanwhile, to tell an application-limited sender.</summary>
    public double Update(BandwidthUsage usage, double ackedBps, double nowMs, double sentBps = double.NaN)
    {
        double elapsedMs = double.IsNaN(_lastUpdateMs) ? 0 : Math.Clamp(nowMs - _lastUpdateMs, 0, 1000);
        _lastUpdateMs = nowMs;

        _state = (usage, _state) switch
        {
            (BandwidthUsage.Overusing, _) => RateControlState.Decrease,
            (BandwidthUsage.Underusing, _) => RateControlState.Hold,
            (BandwidthUsage.Normal, RateControlState.Hold) => RateControlState.Increase,
            (BandwidthUsage.Normal, RateControlState.Decrease) => RateControlState.Hold,
            _ => _state,
        };

        switch (_state)
        {
            case RateControlState.Increase:
                if (ackedBps > 0 && NearConvergence(ackedBps / 1000))
                {
                    double responseMs = 100 + RttMs;
                    _rate += Math.Max(1000, PacketBits * elapsedMs / responseMs / 2);
                }
                else
                {
                    _rate *= Math.Pow(MultiplicativeRatePerSecond, elapsedMs / 1000);
                    _rate += 1000 * elapsedMs / 1000; // a floor so a tiny rate still grows
                }
                if (ackedBps > 0)
                {
                    double cap = 1.5 * ackedBps;
                    if (nowMs < _probeUntilMs) cap = Math.Max(cap, _probeBps);
                    _rate = Math.Min(_rate, cap);
                }
                break;
            case RateControlState.Decrease:
                _probeUntilMs = double.NegativeInfinity;
                if (ackedBps > 0 && sentBps < 0.5 * _rate && sentBps <= 1.25 * ackedBps)
                {
                    // Application-limited: R measures the sender, not the link.
                    if (nowMs - _lastGentleDecreaseMs >= AppLimitedDecreaseIntervalMs)
                    {
                        _rate = Math.Min(_rate, Beta * Math.Max(ackedBps, _rate));
                        _lastGentleDecreaseMs = nowMs;
                        GentleDecreases++;
                    }
                }
                else if (ackedBps > 0)
                {
                    double decreased = Beta * ackedBps;
                    _rate = Math.Min(_rate, decreased);
                    RecordMax(ackedBps / 1000);
                }
                else
                {
                    _rate *= Beta;
                }
                _state = RateControlState.Hold;
                break;
        }
        _rate = Math.Clamp(_rate, _min, _max);
        return _rate;
    }

    private bool NearConvergence(double ackedKbps)
    {
        if (_averageMaxKbps < 0) return false;
        double sigma = Math.Sqrt(_varianceMaxKbps * _averageMaxKbps);
        if (ackedKbps > _averageMaxKbps + (3 * sigma))
        {
            // Past the old ceiling: the link changed; forget it.
            _averageMaxKbps = -1;
            return false;
        }
        return ackedKbps >= _averageMaxKbps - (3 * sigma);
    }

    private void RecordMax(double kbps)
    {
        const double alpha = 0.05;
        if (_averageMaxKbps < 0)
        {
            _averageMaxKbps = kbps;
            return;
        }
        _averageMaxKbps = ((1 - alpha) * _averageMaxKbps) + (alpha * kbps);
        double normalized = (_averageMaxKbps - kbps) * (_averageMaxKbps - kbps) / Math.Max(_averageMaxKbps, 1);
        _varianceMaxKbps = Math.Clamp(((1 - alpha) * _varianceMaxKbps) + (alpha * normalized), 0.4, 2.5);
    }
}

internal enum RateControlState : byte
{
    Hold = 0,
    Increase = 1,
    Decrease = 2,
}
