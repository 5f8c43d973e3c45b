using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>One DLRR sub-block (RFC 3611 §4.5): the receiver, its last RR timestamp and the delay since, in 1/65536 s.</summary>
internal readonly record struct DlrrSubBlock(uint Ssrc, uint LastReceiverReport, uint DelaySinceLastReceiverReport);

/// <summary>
/// Extended report (RFC 3611 §2): the reporter SSRC followed by report blocks, each BT, type-specific byte and
/// a length in 32-bit words excluding its own 4-byte header. Receiver Reference Time (BT=4, §4.4) and DLRR
/// (BT=5, §4.5) carry round-trip time for receive-only endpoints.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|reserved |   PT=XR=207   |             length            |
/// |                              SSRC                             |
/// |      BT       | type-specific |         block length          |
/// :             type-specific block contents                      :
/// </code>
/// </remarks>
internal ref struct ExtendedReport
{
    public const byte ReceiverReferenceTimeBlockType = 4;
    public const byte DlrrBlockType = 5;
    private const int SubBlockLength = 12;
    private readonly ReadOnlySpan<byte> _body;
    private int _position;

    private ExtendedReport(ReadOnlySpan<byte> body)
    {
        _body = body;
        _position = 4;
    }

    public readonly uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_body);

    /// <summary>Validates that the blocks tile the packet exactly.</summary>
    public static bool TryParse(ReadOnlySpan<byte> packet, out ExtendedReport report, out DropReason reason)
    {
        report = default;
        if (!RtcpHeader.TryParseBody(packet, RtcpPacketType.ExtendedReport, out _, out ReadOnlySpan<byte> body, out reason))
        {
            return false;
        }
        if (body.Length < 4)
        {
            reason = DropReason.RtcpBadLength;
            return false;
        }
        var probe = new ExtendedReport(body);
        while (probe.TryReadNextBlock(out byte blockType, out ReadOnlySpan<byte> content))
        {
            // RFC 3611 §4.4: RRTR is exactly 8 bytes; §4.5: DLRR is a whole number of 12-byte sub-blocks.
            bool ok = blockType switch
            {
                ReceiverReferenceTimeBlockType => content.Length == 8,
                DlrrBlockType => content.Length % SubBlockLength == 0,
                _ => true,
            };
            if (!ok)
            {
                reason = DropReason.Malformed;
                return false;
            }
        }
        if (probe._position != body.Length)
        {
            reason = DropReason.RtcpBadLength;
            return false;
        }
        report = new ExtendedReport(body);
        return true;
    }

    /// <summary>Next report block: its type and contents after the 4-byte block header.</summary>
    public bool TryReadNextBlock(out byte blockType, out ReadOnlySpan<byte> content)
    {
        blockType = 0;
        content = default;
        if (_position + 4 > _body.Length)
        {
            return false;
        }
        int length = 4 * BinaryPrimitives.ReadUInt16BigEndian(_body[(_position + 2)..]);
        if (_position + 4 + length > _body.Length)
        {
            return false;
        }
        blockType = _body[_position];
        content = _body.Slice(_position + 4, length);
        _position += 4 + length;
        return true;
    }

    /// <summary>Reads the NTP timestamp of an RRTR block's contents (RFC 3611 §4.4).</summary>
    public static ulong ReadReceiverReferenceTime(ReadOnlySpan<byte> content) => BinaryPrimitives.ReadUInt64BigEndian(content);

    public static int DlrrSubBlockCount(ReadOnlySpan<byte> content) => content.Length / SubBlockLength;

    public static DlrrSubBlock ReadDlrrSubBlock(ReadOnlySpan<byte> content, int index)
    {
        ReadOnlySpan<byte> sub = content[(index * SubBlockLength)..];
        return new DlrrSubBlock(BinaryPrimitives.ReadUInt32BigEndian(sub), BinaryPrimitives.ReadUInt32BigEndian(sub[4..]), BinaryPrimitives.ReadUInt32BigEndian(sub[8..]));
    }

    /// <summary>
    /// Writes an XR with an optional RRTR block (when <paramref name="receiverReferenceNtp"/> has a value) and an
    /// optional DLRR block (when <paramref name="dlrr"/> is not empty). Returns the length, 0 if empty or too small.
    /// </summary>
    public static int Write(Span<byte> destination, uint ssrc, ulong? receiverReferenceNtp, ReadOnlySpan<DlrrSubBlock> dlrr = default)
    {
        int length = RtcpHeader.Length + 4 + (receiverReferenceNtp.HasValue ? 12 : 0) + (dlrr.IsEmpty ? 0 : 4 + (dlrr.Length * SubBlockLength));
        if ((!receiverReferenceNtp.HasValue && dlrr.IsEmpty) || destination.Length < length || length / 4 > ushort.MaxValue)
        {
            return 0;
        }
        RtcpHeader.Write(destination, 0, RtcpPacketType.ExtendedReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        int position = 8;
        if (receiverReferenceNtp is ulong ntp)
        {
            WriteBlockHeader(destination[position..], ReceiverReferenceTimeBlockType, 8);
            BinaryPrimitives.WriteUInt64BigEndian(destination[(position + 4)..], ntp);
            position += 12;
        }
        if (!dlrr.IsEmpty)
        {
            WriteBlockHeader(destination[position..], DlrrBlockType, dlrr.Length * SubBlockLength);
            position += 4;
            foreach (DlrrSubBlock sub in dlrr)
            {
                BinaryPrimitives.WriteUInt32BigEndian(destination[position..], sub.Ssrc);
                BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 4)..], sub.LastReceiverReport);
                BinaryPrimitives.WriteUInt32BigEndian(destination[(position + 8)..], sub.DelaySinceLastReceiverReport);
                position += SubBlockLength;
            }
        }
        return length;
    }

    private static void WriteBlockHeader(Span<byte> destination, byte blockType, int contentLength)
    {
        destination[0] = blockType;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)(contentLength / 4));
    }
}
