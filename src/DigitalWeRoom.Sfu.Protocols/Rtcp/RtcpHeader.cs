using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>
/// The common RTCP header (RFC 3550 §6.4.1): version, padding, a 5-bit count (RC, SC or FMT), packet type and
/// the length in 32-bit words minus one.
/// </summary>
/// <remarks>
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  Count  |      PT       |             length            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </remarks>
public readonly record struct RtcpHeader(bool Padding, byte Count, RtcpPacketType PacketType, ushort LengthInWords)
{
    public const int Length = 4;
    public const int Version = 2;

    /// <summary>Whole packet length in bytes, header and padding included.</summary>
    public int PacketLength => (LengthInWords + 1) * 4;

    /// <summary>Reads the header and checks the version and that the packet fits in <paramref name="buffer"/>.</summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out RtcpHeader header, out DropReason reason)
    {
        header = default;
        if (buffer.Length < Length)
        {
            reason = DropReason.Truncated;
            return false;
        }
        if (buffer[0] >> 6 != Version)
        {
            reason = DropReason.RtcpBadVersion;
            return false;
        }
        header = new RtcpHeader((buffer[0] & 0x20) != 0, (byte)(buffer[0] & 0x1F), (RtcpPacketType)buffer[1], BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]));
        if (header.PacketLength > buffer.Length)
        {
            reason = DropReason.RtcpBadLength;
            return false;
        }
        reason = DropReason.None;
        return true;
    }

    /// <summary>
    /// Parses the header of the packet at the start of <paramref name="buffer"/>, checks its type and padding, and
    /// returns the body: the bytes after the 4-byte header up to the padding.
    /// </summary>
    public static bool TryParseBody(ReadOnlySpan<byte> buffer, RtcpPacketType expected, out RtcpHeader header, out ReadOnlySpan<byte> body, out DropReason reason)
    {
        body = default;
        if (!TryParse(buffer, out header, out reason))
        {
            return false;
        }
        if (header.PacketType != expected)
        {
            reason = DropReason.RtcpUnknownType;
            return false;
        }
        int end = header.PacketLength;
        if (header.Padding)
        {
            // RFC 3550 §6.4.1: the last octet counts the padding, itself included.
            int padding = buffer[end - 1];
            if (padding == 0 || padding > end - Length)
            {
                reason = DropReason.RtcpBadLength;
                return false;
            }
            end -= padding;
        }
        body = buffer[Length..end];
        return true;
    }

    /// <summary>Writes a header for a packet of <paramref name="packetLength"/> bytes (a multiple of 4, at least 4).</summary>
    public static void Write(Span<byte> destination, byte count, RtcpPacketType packetType, int packetLength)
    {
        destination[0] = (byte)((Version << 6) | (count & 0x1F));
        destination[1] = (byte)packetType;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)((packetLength / 4) - 1));
    }
}
