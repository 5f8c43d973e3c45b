using DigitalWeRoom.Sfu.Protocols.Codecs;

namespace DigitalWeRoom.Sfu.Media.Streams;

/// <summary>Codecs whose payload the router inspects for key frames.</summary>
internal enum CodecKind : byte
{
    Other = 0,
    Opus = 1,
    Vp8 = 2,
    Vp9 = 3,
    H264 = 4,
    Av1 = 5,
}

/// <summary>
/// Says whether an RTP payload starts a key frame, through the Protocols/Codecs descriptors: VP8 (RFC 7741 §4.3),
/// VP9 (RFC 9628 §4.2), H.264 (RFC 6184). Total: never throws; malformed payloads and unknown codecs report false.
/// </summary>
internal static class KeyFrameDetector
{
    public static CodecKind FromMimeType(string mimeType)
    {
        int slash = mimeType.IndexOf('/');
        var name = slash >= 0 ? mimeType.AsSpan(slash + 1) : mimeType.AsSpan();
        if (name.Equals("VP8", StringComparison.OrdinalIgnoreCase)) return CodecKind.Vp8;
        if (name.Equals("VP9", StringComparison.OrdinalIgnoreCase)) return CodecKind.Vp9;
        if (name.Equals("H264", StringComparison.OrdinalIgnoreCase)) return CodecKind.H264;
        if (name.Equals("AV1", StringComparison.OrdinalIgnoreCase)) return CodecKind.Av1;
        if (name.Equals("opus", StringComparison.OrdinalIgnoreCase)) return CodecKind.Opus;
        return CodecKind.Other;
    }

    /// <summary>True when key frames of this codec can be recognised (gating on key frames is then possible).</summary>
    public static bool CanDetect(CodecKind codec) => codec is CodecKind.Vp8 or CodecKind.Vp9 or CodecKind.H264;

    public static bool IsKeyFrame(CodecKind codec, ReadOnlySpan<byte> payload) => codec switch
    {
        CodecKind.Vp8 => Vp8PayloadDescriptor.TryParse(payload, out var vp8, out _) && vp8.IsKeyFrame,
        CodecKind.Vp9 => Vp9PayloadDescriptor.TryParse(payload, out var vp9, out _) && vp9.IsKeyFrame,
        CodecKind.H264 => H264KeyFrame.TryParse(payload, out bool h264, out _) && h264,
        _ => false,
    };
}
