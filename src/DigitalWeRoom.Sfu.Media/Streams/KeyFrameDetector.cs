using DigitalWeRoom.Sfu.Protocols.Codecs;

namespace DigitalWeRoom.Sfu.Media.Streams;

/// <summary>Codecs whose payload the router inspects for key frames.</summary>
public enum CodecKind : byte
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
/// VP9 (RFC 9628 §4.2), H.264 (RFC 6184), AV1 (AV1 RTP specification §4.4: N bit, or a sequence header then a key
/// frame header in the first OBU elements). Total: never throws; malformed payloads and unknown codecs report false.
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
    public static bool CanDetect(CodecKind codec) => codec is CodecKind.Vp8 or CodecKind.Vp9 or CodecKind.H264 or CodecKind.Av1;

    /// <summary>
    /// VP8 key frame size (RFC 6386 §9.1; RFC 7741 §4.3): after the payload descriptor, the 3-byte frame tag, the
    /// start code 9D 01 2A, then 14-bit width and height (little-endian, 2 scaling bits above). Only in the first
    /// packet of a key frame.
    /// </summary>
    public static bool TryReadVp8Size(ReadOnlySpan<byte> payload, out int width, out int height)
    {
        width = height = 0;
        if (!Vp8PayloadDescriptor.TryParse(payload, out var d, out _) || !d.IsKeyFrame || !d.IsStartOfFrame) return false;
        var frame = payload[d.Length..];
        if (frame.Length < 10 || frame[3] != 0x9D || frame[4] != 0x01 || frame[5] != 0x2A) return false;
        width = (frame[6] | (frame[7] << 8)) & 0x3FFF;
        height = (frame[8] | (frame[9] << 8)) & 0x3FFF;
        return width > 0 && height > 0;
    }

    public static bool IsKeyFrame(CodecKind codec, ReadOnlySpan<byte> payload) => codec switch
    {
        CodecKind.Vp8 => Vp8PayloadDescriptor.TryParse(payload, out var vp8, out _) && vp8.IsKeyFrame,
        CodecKind.Vp9 => Vp9PayloadDescriptor.TryParse(payload, out var vp9, out _) && vp9.IsKeyFrame,
        CodecKind.H264 => H264KeyFrame.TryParse(payload, out bool h264, out _) && h264,
        CodecKind.Av1 => Av1KeyFrame.TryParse(payload, out bool av1, out _) && av1,
        _ => false,
    };
}
