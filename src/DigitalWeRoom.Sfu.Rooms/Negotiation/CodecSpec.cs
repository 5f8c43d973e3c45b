using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// One codec the server offers, with a payload type fixed by the server (RFC 8866 §6.6 rtpmap, §6.15 fmtp;
/// RFC 4585 §4.2 rtcp-fb). When <see cref="RtxPayloadType"/> is set the server also offers
/// <c>rtx/clock</c> with <c>apt=PayloadType</c> (RFC 4588 §8.6).
/// </summary>
public sealed record CodecSpec(
    MediaKind Kind,
    byte PayloadType,
    string Name,
    int ClockRate,
    int Channels,
    string? Fmtp,
    IReadOnlyList<string> RtcpFeedback,
    byte? RtxPayloadType = null)
{
    private static readonly string[] VideoFeedback = ["goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"];

    public static CodecSpec Opus { get; } =
        new(MediaKind.Audio, 111, "opus", 48000, 2, "minptime=10;useinbandfec=1", ["transport-cc"]);

    public static CodecSpec Vp8 { get; } = new(MediaKind.Video, 96, "VP8", 90000, 0, null, VideoFeedback, 97);

    public static CodecSpec Vp9 { get; } = new(MediaKind.Video, 98, "VP9", 90000, 0, "profile-id=0", VideoFeedback, 99);

    public static CodecSpec H264 { get; } = new(
        MediaKind.Video, 102, "H264", 90000, 0,
        "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f", VideoFeedback, 103);

    public static CodecSpec Av1 { get; } = new(MediaKind.Video, 45, "AV1", 90000, 0, null, VideoFeedback, 46);

    /// <summary>The rtpmap value, e.g. <c>opus/48000/2</c> (RFC 8866 §6.6).</summary>
    public string RtpMap => Channels > 1 ? $"{Name}/{ClockRate}/{Channels}" : $"{Name}/{ClockRate}";
}
