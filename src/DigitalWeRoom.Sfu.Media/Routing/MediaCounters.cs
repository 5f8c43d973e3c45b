using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// Router-wide counters, plain Interlocked fields readable by metrics. Drops are counted by
/// <see cref="DropReason"/> (QueueOverflow, NoRoute, RTP/RTCP parse reasons, NotConnected for failed sends). Also the
/// one place the router's rare measurements go (<see cref="Telemetry"/>), so every part of the media core that counts
/// can measure without a reference to the router.
/// </summary>
public sealed class MediaCounters
{
    // Forwarded packets (0) and bytes (1), and received packets (2), per core: the receive loop and the send workers
    // count every packet on different cores, and one shared line would bounce between them per packet. Received was a
    // plain field beside the references every send reads (this counter set, Telemetry), so each packet the receive
    // loop counted took that line from the send worker's core.
    private readonly PerCoreCounters _forwarded = new(3);
    private long _rtcpSent;
    private long _keyFrameRequestsSent;
    private long _keyFrameRequestsThrottled;
    private long _nacksReceived;
    private long _retransmittedPackets;
    private long _probePackets;
    private long _probeBytes;
    private long _retransmissionsMissed;
    private long _retransmissionsOverBudget;
    private long _bandwidthPauses;
    private long _bandwidthResumes;
    private long _nacksSent;
    private long _rembsSent;
    private long _rtxRepaired;
    private long _keyFrameCacheReplays;
    private long _plisReceived;
    private long _firsReceived;
    private long _receptionReports;

    public DropCounters Drops { get; } = new();

    /// <summary>Receives rare media measurements (RTT per report, sampled forward latency); null: none. Set once, any thread.</summary>
    public IMediaTelemetry? Telemetry
    {
        get => Volatile.Read(ref _telemetry);
        set => Volatile.Write(ref _telemetry, value);
    }

    private IMediaTelemetry? _telemetry;

    public long ReceivedPackets => _forwarded.Sum(2);

    /// <summary>RTP packets handed to a subscriber transport (after rewrite), and their bytes before SRTP.</summary>
    public long ForwardedPackets => _forwarded.Sum(0);

    public long ForwardedBytes => _forwarded.Sum(1);

    public long RtcpSent => Volatile.Read(ref _rtcpSent);

    public long KeyFrameRequestsSent => Volatile.Read(ref _keyFrameRequestsSent);

    public long KeyFrameRequestsThrottled => Volatile.Read(ref _keyFrameRequestsThrottled);

    /// <summary>Generic NACKs (RFC 4585 §6.2.1) received from subscribers.</summary>
    public long NacksReceived => Volatile.Read(ref _nacksReceived);

    /// <summary>Packets retransmitted to subscribers (as RTX or as the original packet).</summary>
    public long RetransmittedPackets => Volatile.Read(ref _retransmittedPackets);

    /// <summary>Bandwidth probe (padding-only RTX) packets sent, and their bytes before SRTP.</summary>
    public long ProbePackets => Volatile.Read(ref _probePackets);

    public long ProbeBytes => Volatile.Read(ref _probeBytes);

    /// <summary>NACKed packets not retransmitted: no longer held, never sent, or retransmitted too recently.</summary>
    public long RetransmissionsMissed => Volatile.Read(ref _retransmissionsMissed);

    /// <summary>NACKed packets held and due but not retransmitted: over the subscriber's retransmission budget.</summary>
    public long RetransmissionsOverBudget => Volatile.Read(ref _retransmissionsOverBudget);

    /// <summary>Videos paused for a subscriber because their lowest layer did not fit its estimate.</summary>
    public long BandwidthPauses => Volatile.Read(ref _bandwidthPauses);

    /// <summary>Videos resumed after a bandwidth pause.</summary>
    public long BandwidthResumes => Volatile.Read(ref _bandwidthResumes);

    /// <summary>Generic NACKs sent to publishers.</summary>
    public long NacksSent => Volatile.Read(ref _nacksSent);

    /// <summary>RTX packets from publishers decapsulated into their media stream (RFC 4588 §4).</summary>
    public long RtxPacketsRepaired => Volatile.Read(ref _rtxRepaired);

    /// <summary>Times a new or resumed consumer was sent the cached key frame.</summary>
    public long KeyFrameCacheReplays => Volatile.Read(ref _keyFrameCacheReplays);

    /// <summary>PLI packets (RFC 4585 §6.3.1) received from subscribers (RTCP rate, not per RTP packet).</summary>
    public long PlisReceived => Volatile.Read(ref _plisReceived);

    /// <summary>FIR packets (RFC 5104 §4.3.1) received from subscribers.</summary>
    public long FirsReceived => Volatile.Read(ref _firsReceived);

    /// <summary>Reception report blocks received (in SRs and RRs) from this router's transports.</summary>
    public long ReceptionReports => Volatile.Read(ref _receptionReports);

    internal void OnPliReceived() => Interlocked.Increment(ref _plisReceived);

    internal void OnFirReceived() => Interlocked.Increment(ref _firsReceived);

    internal void OnReceptionReport() => Interlocked.Increment(ref _receptionReports);

    internal void OnNackReceived() => Interlocked.Increment(ref _nacksReceived);

    public void OnRetransmitted() => Interlocked.Increment(ref _retransmittedPackets);

    public void OnProbeSent(int bytes)
    {
        Interlocked.Increment(ref _probePackets);
        Interlocked.Add(ref _probeBytes, bytes);
    }

    internal void OnRetransmissionMissed() => Interlocked.Increment(ref _retransmissionsMissed);

    public void OnRetransmissionOverBudget() => Interlocked.Increment(ref _retransmissionsOverBudget);

    public void OnBandwidthPause(bool paused) => Interlocked.Increment(ref paused ? ref _bandwidthPauses : ref _bandwidthResumes);

    public void OnNackSent() => Interlocked.Increment(ref _nacksSent);

    internal void OnRembSent() => Interlocked.Increment(ref _rembsSent);

    /// <summary>REMBs sent to publishers without transport-cc (the receive-side upload estimate).</summary>
    public long RembsSent => Volatile.Read(ref _rembsSent);

    public void OnRtxRepaired() => Interlocked.Increment(ref _rtxRepaired);

    internal void OnKeyFrameCacheReplay() => Interlocked.Increment(ref _keyFrameCacheReplays);

    internal void OnReceived() => _forwarded.Add(2, 1);

    internal void OnForwarded(int bytes) => _forwarded.Add(0, 1, 1, bytes);

    internal void OnRtcpSent() => Interlocked.Increment(ref _rtcpSent);

    internal void OnKeyFrameRequestSent() => Interlocked.Increment(ref _keyFrameRequestsSent);

    internal void OnKeyFrameRequestThrottled() => Interlocked.Increment(ref _keyFrameRequestsThrottled);
}
