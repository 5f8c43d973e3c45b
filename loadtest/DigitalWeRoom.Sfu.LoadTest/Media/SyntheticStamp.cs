using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.LoadTest.Media;

/// <summary>
/// The last 28 bytes of every synthetic RTP payload: magic "DWRL", publisher index, stream kind, flags, a 64-bit
/// per-stream sequence (independent of the RTP sequence the server may rewrite) and the send time in
/// <see cref="System.Diagnostics.Stopwatch"/> ticks (CLOCK_MONOTONIC, shared by every process on the host, so
/// one-way latency is exact when sender and receiver run on the same machine).
/// </summary>
internal readonly record struct SyntheticStamp(int Publisher, StreamKind Kind, long Sequence, long SendTicks, bool KeyFrame, int Layer = -1)
{
    /// <summary>Layer is a simulcast layer index (byte 10, lowest = 0; byte 11 = 1), -1 for a stream that is not simulcast.</summary>
    public bool IsSimulcast => Layer >= 0;

    public const int Size = 28;
    public const uint Magic = 0x4457524C;

    public void Write(Span<byte> payloadEnd)
    {
        Span<byte> s = payloadEnd[^Size..];
        BinaryPrimitives.WriteUInt32BigEndian(s, Magic);
        BinaryPrimitives.WriteInt32BigEndian(s[4..], Publisher);
        s[8] = (byte)Kind;
        s[9] = KeyFrame ? (byte)1 : (byte)0;
        s[10] = (byte)Math.Max(0, Layer);
        s[11] = Layer >= 0 ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt64BigEndian(s[12..], Sequence);
        BinaryPrimitives.WriteInt64BigEndian(s[20..], SendTicks);
    }

    /// <summary>Reads the stamp from the end of a plain RTP packet (header included); false if it is not ours.</summary>
    public static bool TryRead(ReadOnlySpan<byte> rtpPacket, out SyntheticStamp stamp)
    {
        stamp = default;
        if (rtpPacket.Length < 12 + Size)
        {
            return false;
        }
        int end = rtpPacket.Length;
        if ((rtpPacket[0] & 0x20) != 0)
        {
            // RFC 3550 §5.1 padding: the last octet counts the padding octets.
            int padding = rtpPacket[^1];
            end -= padding;
            if (end < 12 + Size)
            {
                return false;
            }
        }
        ReadOnlySpan<byte> s = rtpPacket.Slice(end - Size, Size);
        if (BinaryPrimitives.ReadUInt32BigEndian(s) != Magic || s[8] > 1)
        {
            return false;
        }
        stamp = new SyntheticStamp(
            BinaryPrimitives.ReadInt32BigEndian(s[4..]),
            (StreamKind)s[8],
            BinaryPrimitives.ReadInt64BigEndian(s[12..]),
            BinaryPrimitives.ReadInt64BigEndian(s[20..]),
            s[9] == 1,
            s[11] == 1 ? s[10] : -1);
        return true;
    }
}

internal enum StreamKind : byte
{
    Audio = 0,
    Video = 1,
}
