namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>One negotiated payload type (SDP a=rtpmap): e.g. (96, "video/VP8", 90000).</summary>
public readonly record struct RtpCodec(byte PayloadType, string MimeType, int ClockRate);

/// <summary>
/// One published track as negotiated with its publisher. <see cref="Ssrc"/> 0 means "not signaled": the stream is
/// then bound on its first packet by MID (RFC 8843 §15) and RID (RFC 8852) header extensions.
/// </summary>
public sealed record ProducerOptions(string Id, MediaKind Kind, uint Ssrc, IReadOnlyList<RtpCodec> Codecs)
{
    /// <summary>RTX SSRC (RFC 4588 §8.7, a=ssrc-group:FID); its packets repair the media stream (decapsulated).</summary>
    public uint RtxSsrc { get; init; }

    /// <summary>
    /// RTX payload type → the media payload type its <c>apt</c> names (RFC 4588 §8.6). Without a map, RTX is only
    /// decapsulated for a single-codec producer with a signaled <see cref="RtxSsrc"/>. List RED (RFC 2198) and other
    /// non-RTX payload types among <see cref="Codecs"/>: for a stream bound by MID, a payload type that is not a codec
    /// is taken for RTX.
    /// </summary>
    public IReadOnlyList<(byte Rtx, byte Apt)> RtxPayloadTypes { get; init; } = [];

    public string? Mid { get; init; }

    public string? Rid { get; init; }

    /// <summary>Nominal frame size of this encoding (simulcast layer), 0 when unknown; used by <see cref="Consumer.SetPreferredSize"/>.</summary>
    public int Width { get; init; }

    public int Height { get; init; }
}

/// <summary>One subscriber's copy of a producer.</summary>
public sealed record ConsumerOptions(string Id, uint OutputSsrc)
{
    public bool Paused { get; init; }

    /// <summary>
    /// Publisher payload type → the subscriber's payload type for the same codec, when the subscriber's session
    /// numbers it differently (BUNDLE: one PT per codec across the connection, RFC 8843 §9.1). Unlisted PTs pass unchanged.
    /// </summary>
    public IReadOnlyList<(byte Publisher, byte Subscriber)> PayloadTypeMap { get; init; } = [];

    /// <summary>
    /// Simulcast (RFC 8853): the track's encodings as producers, lowest first (the consumer's producer is the first).
    /// The consumer forwards one of them as one stream with <see cref="OutputSsrc"/>. A single VP9 SVC producer may be
    /// given alone to get temporal/spatial layer filtering.
    /// </summary>
    public IReadOnlyList<Producer> SimulcastLayers { get; init; } = [];

    /// <summary>Initial preferred layer (index into <see cref="SimulcastLayers"/>); the top by default.</summary>
    public int PreferredLayer { get; init; } = int.MaxValue;

    /// <summary>The server's RTX SSRC for this stream (a=ssrc-group:FID in the subscriber's offer); 0: no RTX.</summary>
    public uint RtxSsrc { get; init; }

    /// <summary>
    /// Subscriber media payload type → its RTX payload type (RFC 4588 §8.6 <c>apt</c>). Retransmissions of a payload
    /// type without an entry (or with <see cref="RtxSsrc"/> 0) resend the original packet.
    /// </summary>
    public IReadOnlyList<(byte Media, byte Rtx)> RtxPayloadTypes { get; init; } = [];

    /// <summary>
    /// The subscriber negotiated generic NACK for this stream (<c>a=rtcp-fb:PT nack</c>, RFC 4585 §4.2), so it may
    /// ask for retransmissions and sent packets are kept for it. False: nothing is kept (our Opus is offered without
    /// nack): no retransmission buffer taking a reference to every packet per subscriber.
    /// </summary>
    public bool Nack { get; init; } = true;
}

public sealed record RouterOptions
{
    /// <summary>Capacity of each subscriber transport's outbound queue (drop-oldest beyond it).</summary>
    public int SubscriberQueueCapacity { get; init; } = 512;

    /// <summary>At most one key-frame request per producer per interval.</summary>
    public TimeSpan KeyFrameRequestMinInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Period of SR/RR compounds (RFC 3550 §6.2 allows a fixed interval for an SFU's few streams). Zero disables.</summary>
    public TimeSpan RtcpReportInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>SDES CNAME the router uses in its RTCP.</summary>
    public string Cname { get; init; } = "digitalweroom-sfu";

    /// <summary>Packets kept per outgoing stream to answer NACKs (RFC 4585 §6.2.1); 0 disables retransmission.</summary>
    public int RetransmissionBufferPackets { get; init; } = 512;

    /// <summary>
    /// The same for an audio stream (one packet per 10-60 ms frame): enough for <see cref="RetransmissionMaxAge"/>
    /// at 20 ms frames with room to spare; at most <see cref="RetransmissionBufferPackets"/>.
    /// </summary>
    public int AudioRetransmissionBufferPackets { get; init; } = 64;

    /// <summary>Packets older than this are not retransmitted (and released).</summary>
    public TimeSpan RetransmissionMaxAge { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Retransmissions to a subscriber may use at most this share of its bandwidth estimate (token bucket, ≤ 250 ms
    /// burst), so repairs do not deepen the congestion that caused the loss; NACKed packets over the budget are
    /// skipped and counted (<c>RetransmissionsOverBudget</c>). Applies once transport-cc or REMB gave an estimate;
    /// 0 disables the limit.
    /// </summary>
    public double RetransmissionShare { get; init; } = 0.15;

    /// <summary>One packet is retransmitted at most once per this interval (repeated NACKs inside it are ignored).</summary>
    public TimeSpan RetransmissionMinInterval { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Send NACKs toward publishers for gaps in their streams. Video only by default.</summary>
    public bool NackPublishers { get; init; } = true;

    /// <summary>Also NACK audio streams (Opus PLC usually does better than a late retransmission).</summary>
    public bool NackAudio { get; init; }

    /// <summary>Missing sequence numbers tracked per stream; a larger gap clears them and asks for a key frame.</summary>
    public int NackMaxMissing { get; init; } = 1000;

    /// <summary>NACKs sent per missing packet before giving up.</summary>
    public int NackMaxRetries { get; init; } = 10;

    /// <summary>Round-trip time assumed toward a publisher until one is measured (RR LSR/DLSR).</summary>
    public TimeSpan NackDefaultRtt { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Longest a newly missing packet waits before its first NACK when the path reorders (the generator learns the
    /// delay from late originals; zero while nothing arrives out of order). Zero: NACK every gap at once.
    /// </summary>
    public TimeSpan NackMaxReorderDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Delay of the timer that resends due NACKs, armed only while a gap is open. Zero disables the timer (retries then
    /// go with new packets).
    /// </summary>
    public TimeSpan NackTimerInterval { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Keep the latest key frame (and the frames after it) per video producer and send it at once to a new or
    /// resumed consumer, so it shows video before the publisher answers the PLI.
    /// </summary>
    public bool KeyFrameCacheEnabled { get; init; } = true;

    public int KeyFrameCacheMaxPackets { get; init; } = 300;

    public TimeSpan KeyFrameCacheMaxDuration { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>Start one send loop per transport. Tests turn this off and call <see cref="TransportSender.DrainAvailable"/>.</summary>
    public bool StartSendLoops { get; init; } = true;

    /// <summary>
    /// Send on the thread that produced the item (the publisher's receive loop, in its <c>sendmmsg</c> batch) when the
    /// subscriber's queue is empty and its send loop idle: no queue hop, no wake-up per packet. Null: on when
    /// <see cref="StartSendLoops"/> is on (tests that drain by hand keep the queue semantics).
    /// </summary>
    public bool? InlineSend { get; init; }

    /// <summary>
    /// Pace each subscriber's RTP at <see cref="Congestion.Pacer{T}.PacingFactor"/> × its bandwidth estimate once
    /// transport-cc feedback or REMB has given one (before that, and without feedback, packets pass unpaced).
    /// </summary>
    public bool Pacing { get; init; } = true;

    /// <summary>
    /// Pause a subscriber's video whose lowest layer does not fit its bandwidth estimate, and resume it one at a time
    /// (<see cref="Congestion.BandwidthPauser"/>). Off: such a video keeps its lowest layer.
    /// </summary>
    public bool PauseVideoForBandwidth { get; init; } = true;

    /// <summary>
    /// Send short padding-only probe clusters on a video's RTX stream while the allocation wants more than a capped
    /// estimate (<see cref="Congestion.ProbeController"/>), so the estimate can rise without real media.
    /// </summary>
    public bool BandwidthProbing { get; init; } = true;

    /// <summary>Packets a subscriber's pacer holds; beyond it the oldest is dropped (<c>PacerOverflow</c>).</summary>
    public int PacerCapacity { get; init; } = 256;

    /// <summary>
    /// The process's send workers (shared by every room): each transport is pinned to one of their partitions when
    /// created. Null: every transport sends inline or on its own send loop (one room's fan-out on one core).
    /// </summary>
    public SendWorkerPool? SendWorkers { get; init; }
}
