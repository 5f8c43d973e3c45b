namespace DigitalWeRoom.Sfu.Protocols;

/// <summary>
/// Why a packet or message from the network was dropped. Every parser and every check on the
/// receive path reports one of these instead of throwing; <see cref="DropCounters"/> counts them and
/// metrics export them as the <c>reason</c> label. Values are stable (they appear in metrics).
/// </summary>
public enum DropReason : byte
{
    None = 0,

    // Generic framing.
    Truncated = 1,
    TooLarge = 2,
    Malformed = 3,
    UnknownProtocol = 4,

    // RTP / RTCP (RFC 3550, RFC 4585, RFC 8285).
    RtpBadVersion = 10,
    RtpBadPadding = 11,
    RtpBadExtension = 12,
    RtpUnknownSsrc = 13,
    RtcpBadVersion = 14,
    RtcpBadLength = 15,
    RtcpUnknownType = 16,

    // STUN / ICE (RFC 8489, RFC 8445).
    StunNotStun = 20,
    StunBadAttribute = 21,
    StunBadFingerprint = 22,
    StunBadMessageIntegrity = 23,
    StunUnknownUsername = 24,
    StunMissingAttribute = 25,
    StunRoleConflict = 26,

    // Transport demultiplexing (RFC 7983) and admission.
    UnvalidatedAddress = 30,
    DtlsRecordMalformed = 31,
    DtlsQueueFull = 32,
    NotConnected = 33,

    /// <summary>An authenticated check came from a tuple another live transport owns (issue #12, finding 3).</summary>
    TupleOwnedByOther = 34,

    /// <summary>DTLS from a validated tuple before the transport has any selected pair (RFC 8445 §12.2 receives on any valid pair once there is one).</summary>
    DtlsNotSelectedPair = 35,

    // SRTP / SRTCP (RFC 3711, RFC 7714).
    SrtpAuthFailed = 40,
    SrtpReplay = 41,
    SrtpTooOld = 42,
    SrtpNoContext = 43,
    SrtpTooManyStreams = 44,

    // Forwarding.
    QueueOverflow = 50,
    NoRoute = 51,

    /// <summary>A subscriber's pacer queue was full; its oldest packet was dropped.</summary>
    PacerOverflow = 52,

    // SDP and signaling.
    SdpMalformed = 60,
    SignalingMalformed = 61,
    SignalingTooLarge = 62,
    SignalingRateLimited = 63,

    /// <summary>A well-formed SDP answer that does not fit the server's offer (RFC 3264 §6, RFC 8829 §5.3).</summary>
    SdpAnswerRejected = 64,
}
