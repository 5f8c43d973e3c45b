using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// One RTP header extension the server offers with a fixed one-byte id 1-14 (RFC 8285 §5, §8).
/// <see cref="Kinds"/> says on which m= sections it is offered.
/// </summary>
public sealed record HeaderExtensionSpec(byte Id, string Uri, HeaderExtensionKinds Kinds)
{
    public const string MidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";
    public const string RtpStreamIdUri = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    public const string RepairedRtpStreamIdUri = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
    public const string AbsSendTimeUri = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    public const string TransportWideCcUri = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
    public const string AudioLevelUri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

    /// <summary>
    /// The server's fixed ids. They match Chromium's own numbering so that logs read alike on both sides.
    /// </summary>
    public static IReadOnlyList<HeaderExtensionSpec> Defaults { get; } =
    [
        new(1, AudioLevelUri, HeaderExtensionKinds.Audio),
        new(2, AbsSendTimeUri, HeaderExtensionKinds.Audio | HeaderExtensionKinds.Video),
        new(3, TransportWideCcUri, HeaderExtensionKinds.Audio | HeaderExtensionKinds.Video),
        new(4, MidUri, HeaderExtensionKinds.Audio | HeaderExtensionKinds.Video),
        new(10, RtpStreamIdUri, HeaderExtensionKinds.Video),
        new(11, RepairedRtpStreamIdUri, HeaderExtensionKinds.Video),
    ];

    public bool AppliesTo(MediaKind kind) =>
        (Kinds & (kind == MediaKind.Audio ? HeaderExtensionKinds.Audio : HeaderExtensionKinds.Video)) != 0;
}

[Flags]
public enum HeaderExtensionKinds : byte
{
    None = 0,
    Audio = 1,
    Video = 2,
}
