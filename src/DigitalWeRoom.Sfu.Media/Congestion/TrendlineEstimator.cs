namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Delay-based over-use detection. draft-ietf-rmcat-gcc-02 §5.3 estimates the one-way delay gradient m(i) with a
/// Kalman filter; here (as the brief asks) the gradient is the slope of a least-squares line through the last
/// <see cref="WindowSize"/> points (arrival time, exponentially smoothed accumulated inter-group delay variation),
/// scaled by the number of samples and a gain so it is in the same order as the draft's m(i) in ms. §5.4: the
/// adaptive threshold γ follows |m| (K_u = 0.01 when |m| is above γ, K_d = 0.00018 below, per ms, clamped to
/// [6, 600]), and over-use is signalled once m has stayed above γ for more than 10 ms (and is not falling).
/// </summary>
internal sealed class TrendlineEstimator
{
    public const int WindowSize = 20;
    private const double Smoothing = 0.9;
    private const double Gain = 4;
    private const int MaxDeltaCount = 60;
    private const double OverusingTimeThresholdMs = 10;
    private const double Ku = 0.01;
    private const double Kd = 0.00018;
    private const double MinThreshold = 6;
    private const double MaxThreshold = 600;

    private readonly double[] _x = new double[WindowSize];
    private readonly double[] _y = new double[WindowSize];
    private int _count;
    private int _next;
    private int _deltaCount;
    private double _firstArrivalMs = double.NaN;
    private double _accumulatedDelay;
    private double _smoothedDelay;
    private double _threshold = 12.5;
    private double _lastThresholdUpdateMs = double.NaN;
    private double _timeOverUsing = -1;
    private int _overuseCounter;
    private double _previousTrend;

    public BandwidthUsage State { get; private set; }

    /// <summary>Last modified trend (ms-scaled gradient) and threshold, for diagnostics.</summary>
    public double Trend { get; private set; }

    public double Threshold => _threshold;

    /// <summary>
    /// One completed packet group: <paramref name="receiveDeltaMs"/> and <paramref name="sendDeltaMs"/> between it
    /// and the previous group, <paramref name="arrivalTimeMs"/> of its last packet.
    /// </summary>
    public BandwidthUsage Update(double receiveDeltaMs, double sendDeltaMs, double arrivalTimeMs)
    {
        double delayVariation = receiveDeltaMs - sendDeltaMs;
        _deltaCount = Math.Min(_deltaCount + 1, MaxDeltaCount);
        if (double.IsNaN(_firstArrivalMs)) _firstArrivalMs = arrivalTimeMs;
        _accumulatedDelay += delayVariation;
        _smoothedDelay = (Smoothing * _smoothedDelay) + ((1 - Smoothing) * _accumulatedDelay);

        _x[_next] = arrivalTimeMs - _firstArrivalMs;
        _y[_next] = _smoothedDelay;
        _next = (_next + 1) % WindowSize;
        if (_count < WindowSize) _count++;

        double trend = _previousTrend;
        if (_count == WindowSize)
        {
            trend = Slope();
        }
        Detect(trend, sendDeltaMs, arrivalTimeMs);
        return State;
    }

    private double Slope()
    {
        double meanX = 0, meanY = 0;
        for (int i = 0; i < _count; i++)
        {
            meanX += _x[i];
            meanY += _y[i];
        }
        meanX /= _count;
        meanY /= _count;
        double numerator = 0, denominator = 0;
        for (int i = 0; i < _count; i++)
        {
            double dx = _x[i] - meanX;
            numerator += dx * (_y[i] - meanY);
            denominator += dx * dx;
        }
        return denominator == 0 ? _previousTrend : numerator / denominator;
    }

    private void Detect(double trend, double sendDeltaMs, double nowMs)
    {
        double modified = Math.Min(_deltaCount, MaxDeltaCount) * trend * Gain;
        Trend = modified;
        if (modified > _threshold)
        {
            _timeOverUsing = _timeOverUsing < 0 ? sendDeltaMs / 2 : _timeOverUsing + sendDeltaMs;
            _overuseCounter++;
            if (_timeOverUsing > OverusingTimeThresholdMs && _overuseCounter > 1 && trend >= _previousTrend)
            {
                _timeOverUsing = 0;
                _overuseCounter = 0;
                State = BandwidthUsage.Overusing;
            }
        }
        else if (modified < -_threshold)
        {
            _timeOverUsing = -1;
            _overuseCounter = 0;
            State = BandwidthUsage.Underusing;
        }
        else
        {
            _timeOverUsing = -1;
            _overuseCounter = 0;
            State = BandwidthUsage.Normal;
        }
        _previousTrend = trend;
        UpdateThreshold(modified, nowMs);
    }

    private void UpdateThreshold(double modifiedTrend, double nowMs)
    {
        if (double.IsNaN(_lastThresholdUpdateMs)) _lastThresholdUpdateMs = nowMs;
        double magnitude = Math.Abs(modifiedTrend);
        // A sudden spike (e.g. a route change) should not drag the threshold up.
        if (magnitude > _threshold + 15)
        {
            _lastThresholdUpdateMs = nowMs;
            return;
        }
        double k = magnitude < _threshold ? Kd : Ku;
        double elapsed = Math.Min(nowMs - _lastThresholdUpdateMs, 100);
        _threshold = Math.Clamp(_threshold + (k * (magnitude - _threshold) * elapsed), MinThreshold, MaxThreshold);
        _lastThresholdUpdateMs = nowMs;
    }
}
