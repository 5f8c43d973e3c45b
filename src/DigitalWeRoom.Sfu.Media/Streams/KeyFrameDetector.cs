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
/// Says whether an RTP payload starts a key frame. Minimal payload-descriptor reading for VP8 (RFC 7741 §4.2, §4.3),
/// VP9 (RFC 9628 §4.2) and H.264 (RFC 6184 §5.4-5.8). Total: never throws; unknown codecs report false.
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
        CodecKind.Vp8 => IsVp8KeyFrame(payload),
        CodecKind.Vp9 => IsVp9KeyFrame(payload),
        CodecKind.H264 => IsH264KeyFrame(payload),
        _ => false,
    };

    // RFC 7741 §4.2 payload descriptor, §4.3 payload header (P bit = 0 on a key frame, first partition only).
    private static bool IsVp8KeyFrame(ReadOnlySpan<byte> p)
    {
        if (p.Length < 1) return false;
        byte b0 = p[0];
        bool x = (b0 & 0x80) != 0;
        bool s = (b0 & 0x10) != 0;
        int pid = b0 & 0x07;
        if (!s || pid != 0) return false;
        int i = 1;
        if (x)
        {
            if (p.Length <= i) return false;
            byte ext = p[i++];
            if ((ext & 0x80) != 0) // I: PictureID, 7 or 15 bits (M bit)
            {
                if (p.Length <= i) return false;
                i += (p[i] & 0x80) != 0 ? 2 : 1;
            }
            if ((ext & 0x40) != 0) i++; // L: TL0PICIDX
            if ((ext & 0x30) != 0) i++; // T or K: TID/Y/KEYIDX
        }
        return p.Length > i && (p[i] & 0x01) == 0;
    }

    // RFC 9628 §4.2: P (inter-picture predicted) = 0, B (start of frame) = 1, and spatial layer 0 when L is present.
    private static bool IsVp9KeyFrame(ReadOnlySpan<byte> p)
    {
        if (p.Length < 1) return false;
        byte b0 = p[0];
        bool pBit = (b0 & 0x40) != 0;
        bool l = (b0 & 0x20) != 0;
        bool b = (b0 & 0x08) != 0;
        if (pBit || !b) return false;
        if (!l) return true;
        int i = 1;
        if ((b0 & 0x80) != 0) // I: picture id
        {
            if (p.Length <= i) return false;
            i += (p[i] & 0x80) != 0 ? 2 : 1;
        }
        if (p.Length <= i) return false;
        int spatialId = (p[i] >> 1) & 0x07;
        return spatialId == 0;
    }

    // RFC 6184: single NAL (type 1-23), STAP-A (24, §5.7.1), FU-A (28, §5.8, start bit). IDR = 5; SPS = 7 counts too.
    private static bool IsH264KeyFrame(ReadOnlySpan<byte> p)
    {
        if (p.Length < 1) return false;
        int type = p[0] & 0x1F;
        switch (type)
        {
            case 5:
            case 7:
                return true;
            case 24:
                int i = 1;
                while (i + 2 < p.Length)
                {
                    int size = (p[i] << 8) | p[i + 1];
                    i += 2;
                    if (size == 0 || i + size > p.Length) return false;
                    int nal = p[i] & 0x1F;
                    if (nal is 5 or 7) return true;
                    i += size;
                }
                return false;
            case 28:
                return p.Length >= 2 && (p[1] & 0x80) != 0 && (p[1] & 0x1F) is 5 or 7;
            default:
                return false;
        }
    }
}
