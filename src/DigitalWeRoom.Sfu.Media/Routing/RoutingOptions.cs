namespace DigitalWeRoom.Sfu.Media.Routing;

internal enum MediaKind : byte
{
    Audio = 0,
    Video = 1,
}

/// <summary>One negotiated payload type (SDP a=rtpmap): e.g. (96, "video/VP8", 90000).</summary>
internal readonly record struct RtpCodec(byte PayloadType, string MimeType, int ClockRate);

/// <summary>
/// One published track as negotiated with its publisher. <see cref="Ssrc"/> 0 means "not signaled": the stream is
/// then bound on its first packet by MID (RFC 8843 §15) and RID (RFC 8852) header extensions.
/// </summary>
internal sealed record ProducerOptions(string Id, MediaKind Kind, uint Ssrc, IReadOnlyList<RtpCodec> Codecs)
{
    /// <summary>RTX SSRC (RFC 4588); its packets are recognised and ignored until RTX support lands.</summary>
    public uint RtxSsrc { get; init; }

    public string? Mid { get; init; }

    public string? Rid { get; init; }
}

/// <summary>One subscriber's copy of a producer.</summary>
internal sealed record ConsumerOptions(string Id, uint OutputSsrc)
{
    public bool Paused { get; init; }

    /// <summary>
    /// Publisher payload type → the subscriber's payload type for the same codec, when the subscriber's session
    /// numbers it differently (BUNDLE: one PT per codec across the connection, RFC 8843 §9.1). Unlisted PTs pass unchanged.
    /// </summary>
    public IReadOnlyList<(byte Publisher, byte Subscriber)> PayloadTypeMap { get; init; } = [];
}

internal sealed record RouterOptions
{
    /// <summary>Capacity of each subscriber transport's outbound queue (drop-oldest beyond it).</summary>
    public int SubscriberQueueCapacity { get; init; } = 512;

    /// <summary>At most one key-frame request per producer per interval.</summary>
    public TimeSpan KeyFrameRequestMinInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Period of SR/RR compounds (RFC 3550 §6.2 allows a fixed interval for an SFU's few streams). Zero disables.</summary>
    public TimeSpan RtcpReportInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>SDES CNAME the router uses in its RTCP.</summary>
    public string Cname { get; init; } = "digitalweroom-sfu";

    /// <summary>Start one send loop per transport. Tests turn this off and call <see cref="SubscriberSender.DrainAvailable"/>.</summary>
    public bool StartSendLoops { get; init; } = true;
}
