namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Bandwidth probing for one subscriber (draft-ietf-rmcat-gcc-02 §5 leaves the sender free to raise its rate; the
/// estimate cannot otherwise go above 1.5 × what is acknowledged, so a paused video would rarely fit again). When
/// the allocation wants more than the estimate and the link shows no congestion, a short probe cluster is started:
/// padding packets at <see cref="ProbeOptions.RateFactor"/> × the estimate for at least
/// <see cref="ProbeOptions.MinClusterMicros"/> and <see cref="ProbeOptions.MinPackets"/> packets, then no other probe
/// for <see cref="ProbeOptions.MinIntervalMicros"/> (doubled, up to <see cref="ProbeOptions.MaxIntervalMicros"/>,
/// after a probe that did not raise the estimate, or whose gain congestion followed within
/// <see cref="ProbeOptions.GainHoldsMicros"/>: a token bucket's burst lets a short cluster through at line rate, so such
/// a "gain" only moved the layers up into loss). The send loop asks <see cref="TryNextPacket"/> which probe packet
/// is due; the estimator measures the cluster (<see cref="SendSideBandwidthEstimator.BeginProbe"/>). Pure; the owner
/// serializes calls; times in microseconds; no allocation.
/// </summary>
public sealed class ProbeController(ProbeOptions options)
{
    private long _lastStart = long.MinValue;
    private long _interval = options.MinIntervalMicros;
    // The last probe that raised the estimate, and the interval before it reset it (OnCongestion).
    private long _gainAt = long.MinValue;
    private long _intervalBeforeGain;
    private int _nextId = 1;

    // The cluster being sent.
    private int _sent;
    private long _clusterStart;

    public ProbeController()
        : this(new ProbeOptions())
    {
    }

    public ProbeOptions Options { get; } = options;

    /// <summary>The cluster last started (<see cref="ProbeCluster.Id"/> 0: none yet).</summary>
    public ProbeCluster Current { get; private set; }

    /// <summary>Clusters started so far.</summary>
    public long Clusters { get; private set; }

    /// <summary>Probe packets handed out so far.</summary>
    public long Packets { get; private set; }

    /// <summary>Whether the current cluster still has packets to send.</summary>
    public bool IsSending => Current.Id != 0 && _sent < Current.Packets;

    /// <summary>Current pause between probes (grows after probes that found nothing).</summary>
    public long IntervalMicros => _interval;

    /// <summary>
    /// Starts a cluster when <paramref name="wantedBps"/> exceeds <paramref name="estimateBps"/> by
    /// <see cref="ProbeOptions.WantMargin"/>, the link is not <paramref name="congested"/>, no cluster is being sent
    /// and the interval since the last one has passed.
    /// </summary>
    public bool TryStart(double estimateBps, double wantedBps, bool congested, long now, out ProbeCluster cluster)
    {
        cluster = default;
        if (congested || IsSending || !(wantedBps > estimateBps * Options.WantMargin) || estimateBps <= 0
            || (_lastStart != long.MinValue && now - _lastStart < _interval))
        {
            return false;
        }
        // Towards what is wanted (with a 10 % margin), at most 2 × the estimate: a cluster that a token bucket's
        // burst lets through at line rate then lifts the estimate only as far as the next step needs.
        double rate = Math.Min(Math.Min(estimateBps * Options.RateFactor, Options.MaxRateBps), wantedBps * Options.WantMargin);
        int size = Options.PacketBytes;
        double bytes = rate * Options.MinClusterMicros / 8_000_000;
        int packets = Math.Clamp((int)Math.Ceiling(bytes / size), Options.MinPackets, Options.MaxPackets);
        long spacing = (long)Math.Ceiling(size * 8_000_000.0 / rate);
        cluster = new ProbeCluster(_nextId++, rate, packets, size, spacing);
        Current = cluster;
        _sent = 0;
        _clusterStart = now;
        _lastStart = now;
        Clusters++;
        return true;
    }

    /// <summary>
    /// Send loop: the next probe packet if one is due at <paramref name="now"/>; else <paramref name="nextDue"/> says
    /// when (-1: the cluster is done).
    /// </summary>
    public bool TryNextPacket(long now, out int clusterId, out int size, out long nextDue)
    {
        clusterId = 0;
        size = 0;
        nextDue = -1;
        if (!IsSending) return false;
        long due = _clusterStart + (_sent * Current.SpacingMicros);
        if (now < due)
        {
            nextDue = due;
            return false;
        }
        clusterId = Current.Id;
        size = Current.PacketBytes;
        _sent++;
        Packets++;
        nextDue = _sent < Current.Packets ? _clusterStart + (_sent * Current.SpacingMicros) : -1;
        return true;
    }

    /// <summary>A cluster's measured rate at <paramref name="now"/>: a probe that raised the estimate resets the interval, else it doubles.</summary>
    public void OnResult(double resultBps, double estimateBeforeBps, long now)
    {
        if (resultBps > estimateBeforeBps * Options.SuccessRatio)
        {
            _gainAt = now;
            _intervalBeforeGain = _interval;
            _interval = Options.MinIntervalMicros;
            return;
        }
        _interval = Math.Min(_interval * 2, Options.MaxIntervalMicros);
    }

    /// <summary>
    /// Congestion seen (loss or over-use): if it follows the last probe's gain within
    /// <see cref="ProbeOptions.GainHoldsMicros"/>, that probe found no lasting capacity and counts as one that found
    /// nothing: the interval doubles from where it was before the gain reset it.
    /// </summary>
    public void OnCongestion(long now)
    {
        if (_gainAt != long.MinValue && now - _gainAt < Options.GainHoldsMicros)
        {
            _interval = Math.Min(Math.Max(_intervalBeforeGain, Options.MinIntervalMicros) * 2, Options.MaxIntervalMicros);
            _gainAt = long.MinValue;
        }
    }

    /// <summary>Congestion seen: stop the cluster being sent and wait a full interval before the next.</summary>
    public void Abort(long now)
    {
        if (IsSending) _sent = Current.Packets;
        _lastStart = now;
    }
}

/// <summary>One probe cluster: <see cref="Packets"/> padding packets of <see cref="PacketBytes"/> every <see cref="SpacingMicros"/>.</summary>
public readonly record struct ProbeCluster(int Id, double RateBps, int Packets, int PacketBytes, long SpacingMicros);

/// <summary>Bounds of <see cref="ProbeController"/>.</summary>
public sealed record ProbeOptions
{
    /// <summary>Probe at this multiple of the estimate at most (libwebrtc probes at 2× in the same situation), and at 1.1 × what is wanted at most.</summary>
    public double RateFactor { get; init; } = 2.0;

    /// <summary>Never probe above this rate.</summary>
    public double MaxRateBps { get; init; } = 6_000_000;

    /// <summary>Probe only when the allocation wants this multiple of the estimate or more.</summary>
    public double WantMargin { get; init; } = 1.1;

    /// <summary>A cluster lasts at least this long.</summary>
    public long MinClusterMicros { get; init; } = 15_000;

    public int MinPackets { get; init; } = 5;

    public int MaxPackets { get; init; } = 40;

    /// <summary>Size of one probe packet on the wire before SRTP (padding-only RTX: header, TWCC extension, ≤ 255 bytes of padding).</summary>
    public int PacketBytes { get; init; } = 250;

    public long MinIntervalMicros { get; init; } = 1_000_000;

    public long MaxIntervalMicros { get; init; } = 8_000_000;

    /// <summary>A result above this multiple of the estimate it started from counts as a successful probe.</summary>
    public double SuccessRatio { get; init; } = 1.2;

    /// <summary>
    /// Congestion within this long of a successful probe makes it one that found nothing (<see cref="ProbeController.OnCongestion"/>):
    /// the layers the gain allowed take a key frame and a few hundred ms of feedback to show their loss.
    /// </summary>
    public long GainHoldsMicros { get; init; } = 3_000_000;
}
