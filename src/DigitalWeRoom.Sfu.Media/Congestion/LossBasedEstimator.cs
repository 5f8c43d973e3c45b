namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Loss-based controller (draft-ietf-rmcat-gcc-02 §6): per feedback report with loss fraction p, the rate grows by
/// 5 % when p &lt; 2 %, is cut to A·(1 − 0.5p) when p &gt; 10 %, and is kept otherwise.
/// </summary>
internal sealed class LossBasedEstimator
{
    private readonly double _min;
    private readonly double _max;

    public LossBasedEstimator(double initialBps, double minBps, double maxBps)
    {
        Estimate = initialBps;
        _min = minBps;
        _max = maxBps;
    }

    public double Estimate { get; private set; }

    /// <summary>Last loss fraction seen (0..1).</summary>
    public double LossFraction { get; private set; }

    public double Update(double lossFraction)
    {
        LossFraction = lossFraction;
        if (lossFraction < 0.02)
        {
            Estimate *= 1.05;
        }
        else if (lossFraction > 0.10)
        {
            Estimate *= 1 - (0.5 * lossFraction);
        }
        Estimate = Math.Clamp(Estimate, _min, _max);
        return Estimate;
    }

    /// <summary>The no-loss step (+5 %) without a new loss fraction (a feedback inside a loss window with no loss yet).</summary>
    public double Grow()
    {
        Estimate = Math.Clamp(Estimate * 1.05, _min, _max);
        return Estimate;
    }

    /// <summary>A probe measured <paramref name="bps"/> without loss: the loss-based rate is at least that.</summary>
    public void Raise(double bps) => Estimate = Math.Clamp(Math.Max(Estimate, bps), _min, _max);

    /// <summary>Keep the loss-based rate from running far ahead of the delay-based one while loss is low.</summary>
    public void Cap(double bps) => Estimate = Math.Clamp(Math.Min(Estimate, bps), _min, _max);
}
