using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Send-side bandwidth estimation for one subscriber transport (draft-ietf-rmcat-gcc-02 with transport-wide
/// feedback, draft-holmer-rmcat-transport-wide-cc-extensions-01). The send loop records every packet it stamps
/// (<see cref="OnPacketSent"/>: TWCC sequence, send time, size) in a bounded ring; the subscriber's transport-cc
/// feedback (<see cref="OnTransportFeedback"/>) gives arrival times. Packets sent within 5 ms form a group (§5.2);
/// each completed group feeds the <see cref="TrendlineEstimator"/>, whose signal drives
/// <see cref="AimdRateControl"/> with the acknowledged bitrate; per feedback the loss fraction drives
/// <see cref="LossBasedEstimator"/>. Estimate = min(delay-based, loss-based), further capped by a recent REMB. With
/// no transport-cc feedback for <see cref="FeedbackTimeoutMicros"/>, a REMB is used alone (fallback).
/// Single-threaded: the subscriber's send loop calls everything (RTCP from its receive loop is handed over by the
/// caller, or calls are serialized by the caller). No allocation per packet or per feedback.
/// </summary>
public sealed class SendSideBandwidthEstimator
{
    /// <summary>Most packets remembered for feedback (the ring starts at <see cref="InitialHistorySize"/> and doubles by need).</summary>
    public const int HistorySize = 8192;

    public const int InitialHistorySize = 64;

    /// <summary>A slot is reused without growing once its packet was sent this long ago (feedback comes within an RTT or so).</summary>
    private const long HistoryWindowMicros = 1_000_000;
    public const long FeedbackTimeoutMicros = 5_000_000;
    private const long GroupSpanMicros = 5_000;
    private const long AckWindowMicros = 500_000;
    private const int AckRingSize = 4096;

    // Sized by the send rate (issue 16 item 4: 8,192 slots up front were 256 KB per subscriber, most of its memory).
    private SentPacket[] _history = new SentPacket[InitialHistorySize];

    // Decoding scratch, one per thread that handles feedback (receive loops), not one per subscriber.
    [ThreadStatic]
    private static TwccPacketStatus[]? t_statuses;
    private readonly RateWindow _acked = new(AckRingSize, AckWindowMicros);
    private readonly RateWindow _sent = new(AckRingSize, AckWindowMicros);
    private readonly TrendlineEstimator _trendline = new();
    private readonly AimdRateControl _delayBased;
    private readonly LossBasedEstimator _lossBased;
    private readonly BandwidthEstimatorOptions _options;

    // The probe cluster being measured (draft-ietf-rmcat-gcc-02 §5; see ProbeController).
    private int _probeId;
    private int _probeExpected;
    private int _probeReceived;
    private int _probeLost;
    private long _probeBytes;
    private long _probeFirstSend;
    private long _probeLastSend;
    private int _probeLastSendSize;
    private long _probeFirstArrival;
    private int _probeFirstArrivalSize;
    private long _probeLastArrival;

    // Current and previous packet groups (send/arrival time of the last packet in each).
    private bool _haveGroup;
    private bool _havePreviousGroup;
    private long _groupFirstSend;
    private long _groupLastSend;
    private long _groupLastArrival;
    private long _previousGroupLastSend;
    private long _previousGroupLastArrival;

    private long _lastFeedbackMicros = long.MinValue;
    private long _lastRembMicros = long.MinValue;
    private double _remb;

    public SendSideBandwidthEstimator(BandwidthEstimatorOptions? options = null)
    {
        _options = options ?? new BandwidthEstimatorOptions();
        _delayBased = new AimdRateControl(_options.InitialBps, _options.MinBps, _options.MaxBps);
        _lossBased = new LossBasedEstimator(_options.InitialBps, _options.MinBps, _options.MaxBps);
        Estimate = _options.InitialBps;
    }

    /// <summary>Current estimate in bits per second.</summary>
    public double Estimate { get; private set; }

    public BandwidthUsage Usage => _trendline.State;

    public double DelayBasedEstimate => _delayBased.Estimate;

    public double LossBasedEstimate => _lossBased.Estimate;

    public double LossFraction => _lossBased.LossFraction;

    /// <summary>
    /// Packets a loss fraction is computed over (at least; accumulated across feedbacks). On a link with 5 % random
    /// loss (Wi-Fi) a 50-packet window reads over 10 % (the decrease threshold) about one time in twenty, which over
    /// a call walked the estimate down until video was paused; over 200 packets (σ ≈ 1.5 %) that is rare. Heavy loss
    /// closes a window early (<see cref="MinPacketsForHeavyLoss"/>), so real congestion is still answered at once.
    /// </summary>
    public const int MinPacketsForLoss = 200;

    /// <summary>A window of at least this many packets with <see cref="HeavyLoss"/> or more lost closes early (5 % random loss gets there 3 times in 1,000).</summary>
    public const int MinPacketsForHeavyLoss = 50;

    /// <summary>Loss fraction that closes a window early.</summary>
    public const double HeavyLoss = 0.2;

    /// <summary>Whether the last feedback completed a loss window (<see cref="LossFraction"/> is then fresh).</summary>
    public bool LossWindowClosed { get; private set; }

    private int _lossKnown;
    private int _lossLost;

    /// <summary>Acknowledged (received) bitrate over the last 500 ms of arrivals.</summary>
    public double AckedBitrate => _acked.Rate;

    /// <summary>Bitrate stamped and sent over the last 500 ms (probes included).</summary>
    public double SentBitrate => _sent.Rate;

    /// <summary>Rate the last completed probe cluster measured (bps; 0 for a failed one).</summary>
    public double LastProbeBps { get; private set; }

    /// <summary>Probe clusters measured so far (failed ones included).</summary>
    public long ProbeResults { get; private set; }

    /// <summary>True when the last feedback completed a probe cluster's measurement.</summary>
    public bool ProbeCompleted { get; private set; }

    public long FeedbacksProcessed { get; private set; }

    /// <summary>Send loop: a packet carrying transport-wide sequence <paramref name="sequence"/> left at <paramref name="sendTimeMicros"/>.</summary>
    public void OnPacketSent(ushort sequence, long sendTimeMicros, int size) => OnPacketSent(sequence, sendTimeMicros, size, 0);

    /// <summary>As <see cref="OnPacketSent(ushort, long, int)"/>, for a packet of probe cluster <paramref name="probeCluster"/> (0: none).</summary>
    public void OnPacketSent(ushort sequence, long sendTimeMicros, int size, int probeCluster)
    {
        ref var entry = ref _history[sequence % _history.Length];
        if (entry.Valid && _history.Length < HistorySize && sendTimeMicros - entry.SendTimeMicros < HistoryWindowMicros)
        {
            // The ring would forget a packet whose feedback may still come: more room, once per doubling.
            GrowHistory();
            entry = ref _history[sequence % _history.Length];
        }
        entry = new SentPacket(sequence, sendTimeMicros, size, probeCluster, valid: true);
        _sent.Add(sendTimeMicros, size);
    }

    /// <summary>
    /// Measure cluster <paramref name="clusterId"/> of <paramref name="packets"/> packets (a cluster still being
    /// measured is abandoned). Its result is min(send rate, receive rate) over the acknowledged packets, as libwebrtc's
    /// probe estimator does; a result above the estimate raises it (<see cref="AimdRateControl.OnProbe"/>).
    /// </summary>
    public void BeginProbe(int clusterId, int packets)
    {
        _probeId = clusterId;
        _probeExpected = packets;
        _probeReceived = 0;
        _probeLost = 0;
        _probeBytes = 0;
        _probeFirstSend = long.MaxValue;
        _probeLastSend = long.MinValue;
        _probeFirstArrival = long.MaxValue;
        _probeLastArrival = long.MinValue;
    }

    /// <summary>A parsed transport-cc feedback from the subscriber. Returns the new estimate.</summary>
    public double OnTransportFeedback(in TransportWideFeedback feedback, long nowMicros)
    {
        var statuses = t_statuses ??= new TwccPacketStatus[HistorySize];
        int count = feedback.CopyPackets(statuses);
        long arrivalTicks = feedback.ReferenceTime * (long)(TransportWideFeedback.MicrosecondsPerReferenceTime / TransportWideFeedback.MicrosecondsPerTick);
        int known = 0;
        int lost = 0;
        for (int i = 0; i < count; i++)
        {
            var status = statuses[i];
            ref var sent = ref _history[status.SequenceNumber % _history.Length];
            if (!sent.Valid || sent.Sequence != status.SequenceNumber)
            {
                if (status.Received) arrivalTicks += status.DeltaTicks;
                continue;
            }
            known++;
            if (!status.Received)
            {
                lost++;
                if (sent.ProbeCluster != 0 && sent.ProbeCluster == _probeId) _probeLost++;
                continue;
            }
            arrivalTicks += status.DeltaTicks;
            long arrival = arrivalTicks * TransportWideFeedback.MicrosecondsPerTick;
            sent.Valid = false; // each packet counted once (feedback may repeat)
            _acked.Add(arrival, sent.Size);
            if (sent.ProbeCluster != 0 && sent.ProbeCluster == _probeId) OnProbeAck(sent.SendTimeMicros, sent.Size, arrival);
            OnArrival(sent.SendTimeMicros, arrival, nowMicros);
        }
        ProbeCompleted = false;
        if (known == 0) return Estimate;

        FeedbacksProcessed++;
        _lastFeedbackMicros = nowMicros;
        double nowMs = nowMicros / 1000.0;
        double delayBased = _delayBased.Update(_trendline.State, AckedBitrate, nowMs, SentBitrate);
        _lossBased.Cap(Math.Max(Estimate, _options.MinBps));
        // Loss over at least MinPacketsForLoss packets: a feedback covering a few audio packets would turn one loss
        // into 20 % and read as congestion (libwebrtc likewise waits for enough packets before a loss update).
        _lossKnown += known;
        _lossLost += lost;
        LossWindowClosed = _lossKnown >= MinPacketsForLoss || (_lossKnown >= MinPacketsForHeavyLoss && _lossLost >= HeavyLoss * _lossKnown);
        double lossBased = LossWindowClosed ? _lossBased.Update((double)_lossLost / _lossKnown)
            : _lossLost == 0 ? _lossBased.Grow() // no loss so far in the window: keep growing per feedback as before
            : _lossBased.Estimate;
        if (LossWindowClosed)
        {
            _lossKnown = 0;
            _lossLost = 0;
        }
        Estimate = Math.Min(delayBased, lossBased);
        if (_probeId != 0 && _probeReceived + _probeLost >= _probeExpected)
        {
            CompleteProbe(nowMs);
        }
        ApplyRemb(nowMicros);
        return Estimate;
    }

    private void OnProbeAck(long sendTime, int size, long arrival)
    {
        _probeReceived++;
        _probeBytes += size;
        _probeFirstSend = Math.Min(_probeFirstSend, sendTime);
        if (sendTime >= _probeLastSend)
        {
            _probeLastSend = sendTime;
            _probeLastSendSize = size;
        }
        if (arrival < _probeFirstArrival)
        {
            _probeFirstArrival = arrival;
            _probeFirstArrivalSize = size;
        }
        _probeLastArrival = Math.Max(_probeLastArrival, arrival);
    }

    private void CompleteProbe(double nowMs)
    {
        double result = 0;
        long sendSpan = _probeLastSend - _probeFirstSend;
        // Enough of the cluster must arrive (loss in a probe is a failed probe), over a measurable send span. The
        // receive span is at least one feedback tick (250 µs), so a cluster that arrived in one burst reads as its
        // send rate rather than as infinity.
        if (_probeReceived >= Math.Max(3, _probeExpected * 4 / 5) && sendSpan > 0)
        {
            double sendBps = (_probeBytes - _probeLastSendSize) * 8_000_000.0 / sendSpan;
            long receiveSpan = Math.Max(_probeLastArrival - _probeFirstArrival, TransportWideFeedback.MicrosecondsPerTick);
            double receiveBps = (_probeBytes - _probeFirstArrivalSize) * 8_000_000.0 / receiveSpan;
            result = Math.Min(sendBps, receiveBps);
        }
        _probeId = 0;
        ProbeResults++;
        ProbeCompleted = true;
        LastProbeBps = result;
        // A result near the estimate confirms it (renews the probe hold); a larger one raises it.
        if (result > 0.9 * Estimate && _trendline.State != BandwidthUsage.Overusing)
        {
            double raised = _delayBased.OnProbe(result, nowMs);
            _lossBased.Raise(raised);
            Estimate = Math.Min(raised, _lossBased.Estimate);
        }
    }

    /// <summary>A REMB from the subscriber (RFC draft-alvestrand-rmcat-remb): a cap, and the estimate when no transport-cc feedback arrives.</summary>
    public double OnRemb(ulong bitrate, long nowMicros)
    {
        _remb = bitrate;
        _lastRembMicros = nowMicros;
        if (_lastFeedbackMicros == long.MinValue || nowMicros - _lastFeedbackMicros > FeedbackTimeoutMicros)
        {
            Estimate = Math.Clamp(_remb, _options.MinBps, _options.MaxBps);
        }
        else
        {
            ApplyRemb(nowMicros);
        }
        return Estimate;
    }

    public void SetRtt(double rttMs) => _delayBased.RttMs = rttMs;

    private void ApplyRemb(long nowMicros)
    {
        if (_lastRembMicros != long.MinValue && nowMicros - _lastRembMicros <= FeedbackTimeoutMicros)
        {
            Estimate = Math.Max(_options.MinBps, Math.Min(Estimate, _remb));
        }
    }

    private void OnArrival(long sendTime, long arrival, long nowMicros)
    {
        if (!_haveGroup)
        {
            StartGroup(sendTime, arrival);
            return;
        }
        if (sendTime < _groupFirstSend)
        {
            return; // reordered across groups: ignore for the delay signal
        }
        if (sendTime - _groupFirstSend <= GroupSpanMicros)
        {
            _groupLastSend = Math.Max(_groupLastSend, sendTime);
            _groupLastArrival = Math.Max(_groupLastArrival, arrival);
            return;
        }
        // The current group is complete.
        if (_havePreviousGroup)
        {
            double sendDeltaMs = (_groupLastSend - _previousGroupLastSend) / 1000.0;
            double receiveDeltaMs = (_groupLastArrival - _previousGroupLastArrival) / 1000.0;
            _trendline.Update(receiveDeltaMs, sendDeltaMs, _groupLastArrival / 1000.0);
        }
        _previousGroupLastSend = _groupLastSend;
        _previousGroupLastArrival = _groupLastArrival;
        _havePreviousGroup = true;
        StartGroup(sendTime, arrival);
        _ = nowMicros;
    }

    private void StartGroup(long sendTime, long arrival)
    {
        _haveGroup = true;
        _groupFirstSend = sendTime;
        _groupLastSend = sendTime;
        _groupLastArrival = arrival;
    }

    /// <summary>Twice the slots; remembered packets keep their sequence's slot (distinct mod n, so distinct mod 2n).</summary>
    private void GrowHistory()
    {
        var history = new SentPacket[_history.Length * 2];
        foreach (var sent in _history)
        {
            if (sent.Valid) history[sent.Sequence % history.Length] = sent;
        }
        _history = history;
    }

    private struct SentPacket(ushort sequence, long sendTimeMicros, int size, int probeCluster, bool valid)
    {
        public readonly ushort Sequence = sequence;
        public readonly long SendTimeMicros = sendTimeMicros;
        public readonly int Size = size;
        public readonly int ProbeCluster = probeCluster;
        public bool Valid = valid;
    }
}

public sealed record BandwidthEstimatorOptions
{
    public double InitialBps { get; init; } = 1_000_000;

    public double MinBps { get; init; } = 50_000;

    public double MaxBps { get; init; } = 20_000_000;
}
