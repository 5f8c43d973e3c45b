using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Send-side bandwidth estimation of one subscriber transport: the <see cref="TransportWideSequencer"/> the send
/// loop stamps with, the <see cref="SendSideBandwidthEstimator"/>, and the hand-over between the send loop (stamps)
/// and the transport's receive loop (transport-cc feedback, REMB) under one uncontended lock (no allocation).
/// <see cref="ISubscriberBandwidthListener.OnBudgetChanged"/> is raised on the receive loop with the allocation budget (the estimate while the
/// <see cref="CongestionGate"/> is limited, else +∞) when it moved by more than 5 %, the gate changed, or 500 ms
/// passed, so the owner can re-run the <see cref="LayerAllocator"/>. While the gate limits allocation and the
/// allocation wants more than the estimate (<see cref="WantedBps"/>) with no congestion, the <see cref="Prober"/>
/// starts a probe cluster and <see cref="ISubscriberBandwidthListener.OnProbeRequested"/> asks the send loop to send it.
/// </summary>
public sealed class SubscriberBandwidth
{
    private const long ReallocateMicros = 500_000;

    private readonly object _gate = new();
    private readonly TransportWideSequencer _sequencer;
    private double _lastReported;
    private long _lastReportedAt = long.MinValue;
    private double _estimate;
    private bool _lastLimited;

    public SubscriberBandwidth(byte transportWideCcExtensionId, BandwidthEstimatorOptions? options = null)
    {
        Estimator = new SendSideBandwidthEstimator(options);
        _sequencer = new TransportWideSequencer(transportWideCcExtensionId, Estimator);
        _estimate = Estimator.Estimate;
    }

    public SendSideBandwidthEstimator Estimator { get; }

    /// <summary>Probe clusters (read under the lock; tests and metrics).</summary>
    public ProbeController Prober { get; } = new();

    /// <summary>Transport-wide sequence extension id (0: not negotiated, no probing).</summary>
    public byte ExtensionId => _sequencer.ExtensionId;

    /// <summary>What the last allocation wanted in all (bps; written by the allocation, read by feedback).</summary>
    public double WantedBps
    {
        get => Volatile.Read(ref _wanted);
        set => Volatile.Write(ref _wanted, value);
    }

    private double _wanted;

    /// <summary>Told of new budgets and probe clusters (the owning transport); null: nobody (no probing either).</summary>
    public ISubscriberBandwidthListener? Listener { get; set; }

    /// <summary>Whether probe clusters may be started (they also need a <see cref="Listener"/> to send them).</summary>
    public bool Probing { get; set; }

    /// <summary>Whether the estimate currently caps allocation (read under the lock by the receive loop).</summary>
    public CongestionGate Gate { get; } = new();

    /// <summary>The budget last handed to the <see cref="Listener"/> (bps; +∞ while unlimited).</summary>
    public double Budget => Volatile.Read(ref _lastReported);

    /// <summary>Bits per second (any thread).</summary>
    public double Estimate => Volatile.Read(ref _estimate);

    /// <summary>True once transport-cc feedback or a REMB has produced an estimate (before that it is only the initial guess).</summary>
    public bool HasFeedback => _hasFeedback;

    private volatile bool _hasFeedback;

    public long Stamped => _sequencer.Stamped;

    public long Unstamped => _sequencer.Unstamped;

    /// <summary>Send loop: stamp the transport-wide sequence number into the send copy and record it.</summary>
    public bool TryStamp(Span<byte> packet, long nowMicros) => TryStamp(packet, nowMicros, 0);

    /// <summary>Send loop: as <see cref="TryStamp(Span{byte}, long)"/> for a packet of probe cluster <paramref name="probeCluster"/>.</summary>
    public bool TryStamp(Span<byte> packet, long nowMicros, int probeCluster)
    {
        lock (_gate)
        {
            return _sequencer.TryStamp(packet, nowMicros, probeCluster);
        }
    }

    /// <summary>Send loop: the next probe packet due at <paramref name="nowMicros"/> (see <see cref="ProbeController.TryNextPacket"/>).</summary>
    public bool TryNextProbePacket(long nowMicros, out int clusterId, out int size, out long nextDue)
    {
        lock (_gate)
        {
            return Prober.TryNextPacket(nowMicros, out clusterId, out size, out nextDue);
        }
    }

    /// <summary>Send loop: the cluster cannot be sent (no RTX stream yet).</summary>
    public void AbortProbe(long nowMicros)
    {
        lock (_gate)
        {
            Prober.Abort(nowMicros);
        }
    }

    /// <summary>Receive loop: one transport-cc feedback packet (RTPFB FMT 15).</summary>
    public void OnTransportFeedback(ReadOnlySpan<byte> rtcpPacket, long nowMicros)
    {
        if (!TransportWideFeedback.TryParse(rtcpPacket, out var feedback, out _)) return;
        double estimate;
        bool limited;
        bool probe;
        lock (_gate)
        {
            double before = Estimator.Estimate;
            estimate = Estimator.OnTransportFeedback(feedback, nowMicros);
            double loss = Estimator.LossWindowClosed ? Estimator.LossFraction : 0;
            Gate.OnFeedback(Estimator.Usage, loss, nowMicros);
            limited = Gate.IsLimited;
            probe = Probe(before, estimate, loss, limited, nowMicros);
        }
        Publish(estimate, limited, nowMicros);
        if (probe) Listener?.OnProbeRequested();
    }

    /// <summary>Under the lock: probe results to the prober; a new cluster when wanted (see the type's summary).</summary>
    private bool Probe(double before, double estimate, double loss, bool limited, long nowMicros)
    {
        if (Estimator.ProbeCompleted) Prober.OnResult(Estimator.LastProbeBps, before, nowMicros);
        bool congested = Estimator.Usage != BandwidthUsage.Normal || loss > 0.02;
        if (congested)
        {
            Prober.OnCongestion(nowMicros);
            if (Prober.IsSending) Prober.Abort(nowMicros);
        }
        if (!limited || !Probing || Listener is null || _sequencer.ExtensionId is 0 or > 14
            || !Prober.TryStart(estimate, WantedBps, congested, nowMicros, out var cluster))
        {
            return false;
        }
        Estimator.BeginProbe(cluster.Id, cluster.Packets);
        return true;
    }

    /// <summary>Receive loop: a REMB (PSFB FMT 15, "REMB").</summary>
    public void OnRemb(ulong bitrate, long nowMicros)
    {
        double estimate;
        bool limited;
        lock (_gate)
        {
            estimate = Estimator.OnRemb(bitrate, nowMicros);
            // REMB alone (no transport-cc): the receiver's own estimate is a real cap.
            limited = Gate.IsLimited || Estimator.FeedbacksProcessed == 0;
        }
        Publish(estimate, limited, nowMicros);
    }

    private void Publish(double estimate, bool limited, long nowMicros)
    {
        Volatile.Write(ref _estimate, estimate);
        _hasFeedback = true;
        double budget = limited ? estimate : double.PositiveInfinity;
        if (_lastReportedAt == long.MinValue || limited != _lastLimited || (limited && Math.Abs(budget - _lastReported) > 0.05 * _lastReported)
            || nowMicros - _lastReportedAt >= ReallocateMicros)
        {
            _lastLimited = limited;
            Volatile.Write(ref _lastReported, budget);
            _lastReportedAt = nowMicros;
            Listener?.OnBudgetChanged(budget);
        }
    }
}

/// <summary>What a <see cref="SubscriberBandwidth"/> tells the transport that owns it (on that transport's receive loop).</summary>
public interface ISubscriberBandwidthListener
{
    /// <summary>A new allocation budget (bps; +∞ while the estimate does not limit): run the layer allocation again.</summary>
    void OnBudgetChanged(double budgetBps);

    /// <summary>A probe cluster started: the send loop should send it.</summary>
    void OnProbeRequested();
}
