using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Protocols;

namespace DigitalWeRoom.Sfu.Media.Streams;

/// <summary>
/// The few RTP header fields routing needs (RFC 3550 §5.1), read and written in place with BinaryPrimitives.
/// Deliberately minimal until the Protocols/Rtp parsers (branch <c>rtp</c>) are merged.
/// </summary>
internal static class RtpHeaderFields
{
    public const int FixedHeaderLength = 12;

    /// <summary>
    /// Validates version, CSRC count, header extension and padding; returns header length and payload length
    /// (excluding padding). Total: never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out RtpHeaderInfo info, out DropReason reason)
    {
        info = default;
        if (packet.Length < FixedHeaderLength)
        {
            reason = DropReason.Truncated;
            return false;
        }
        byte b0 = packet[0];
        if (b0 >> 6 != 2)
        {
            reason = DropReason.RtpBadVersion;
            return false;
        }
        int headerLength = FixedHeaderLength + 4 * (b0 & 0x0F);
        if (packet.Length < headerLength)
        {
            reason = DropReason.Truncated; // CSRC list cut short
            return false;
        }
        int extensionOffset = 0;
        int extensionLength = 0;
        ushort extensionProfile = 0;
        if ((b0 & 0x10) != 0)
        {
            // RFC 3550 §5.3.1: 16-bit profile, 16-bit length in 32-bit words.
            if (packet.Length < headerLength + 4)
            {
                reason = DropReason.RtpBadExtension;
                return false;
            }
            extensionProfile = BinaryPrimitives.ReadUInt16BigEndian(packet[headerLength..]);
            extensionLength = 4 * BinaryPrimitives.ReadUInt16BigEndian(packet[(headerLength + 2)..]);
            extensionOffset = headerLength + 4;
            headerLength = extensionOffset + extensionLength;
            if (packet.Length < headerLength)
            {
                reason = DropReason.RtpBadExtension;
                return false;
            }
        }
        int padding = 0;
        if ((b0 & 0x20) != 0)
        {
            padding = packet[^1];
            if (padding == 0 || headerLength + padding > packet.Length)
            {
                reason = DropReason.RtpBadPadding;
                return false;
            }
        }
        info = new RtpHeaderInfo(
            headerLength,
            packet.Length - headerLength - padding,
            (byte)(packet[1] & 0x7F),
            BinaryPrimitives.ReadUInt16BigEndian(packet[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(packet[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(packet[8..]),
            (packet[1] & 0x80) != 0,
            extensionProfile,
            extensionOffset,
            extensionLength);
        reason = DropReason.None;
        return true;
    }

    public static void WriteSequenceNumber(Span<byte> packet, ushort value) => BinaryPrimitives.WriteUInt16BigEndian(packet[2..], value);

    public static void WriteTimestamp(Span<byte> packet, uint value) => BinaryPrimitives.WriteUInt32BigEndian(packet[4..], value);

    public static void WriteSsrc(Span<byte> packet, uint value) => BinaryPrimitives.WriteUInt32BigEndian(packet[8..], value);

    /// <summary>
    /// Finds header extension element <paramref name="id"/> (RFC 8285 §4.2 one-byte, §4.3 two-byte form).
    /// Returns false when absent or when the block is malformed.
    /// </summary>
    public static bool TryFindExtension(ReadOnlySpan<byte> packet, scoped in RtpHeaderInfo info, byte id, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (id == 0 || info.ExtensionLength == 0)
        {
            return false;
        }
        var block = packet.Slice(info.ExtensionOffset, info.ExtensionLength);
        bool oneByte = info.ExtensionProfile == 0xBEDE;
        bool twoByte = (info.ExtensionProfile & 0xFFF0) == 0x1000;
        if (!oneByte && !twoByte)
        {
            return false;
        }
        int i = 0;
        while (i < block.Length)
        {
            byte b = block[i];
            if (b == 0)
            {
                i++; // padding byte
                continue;
            }
            int elementId;
            int length;
            if (oneByte)
            {
                elementId = b >> 4;
                if (elementId == 15)
                {
                    return false; // §4.2: stop processing
                }
                length = (b & 0x0F) + 1;
                i++;
            }
            else
            {
                if (i + 1 >= block.Length)
                {
                    return false;
                }
                elementId = b;
                length = block[i + 1];
                i += 2;
            }
            if (i + length > block.Length)
            {
                return false;
            }
            if (elementId == id)
            {
                value = block.Slice(i, length);
                return true;
            }
            i += length;
        }
        return false;
    }
}

/// <summary>Parsed fixed-header fields plus offsets, as returned by <see cref="RtpHeaderFields.TryParse"/>.</summary>
internal readonly record struct RtpHeaderInfo(
    int HeaderLength,
    int PayloadLength,
    byte PayloadType,
    ushort SequenceNumber,
    uint Timestamp,
    uint Ssrc,
    bool Marker,
    ushort ExtensionProfile,
    int ExtensionOffset,
    int ExtensionLength);
