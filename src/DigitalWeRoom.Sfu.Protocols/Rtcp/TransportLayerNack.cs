using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>One generic NACK FCI (RFC 4585 §6.2.1): a lost packet ID and a bitmask of the 16 following losses.</summary>
public readonly record struct NackItem(ushort PacketId, ushort LostBitmask);

/// <summary>
/// Generic NACK (RFC 4585 §6.2.1): RTPFB FMT 1 with one or more PID/BLP items.
/// </summary>
/// <remarks>
/// <code>
/// |            PID                |             BLP               |
/// </code>
/// Bit i of BLP (least significant = 0) set means packet PID + i + 1 is lost too.
/// </remarks>
public readonly ref struct TransportLayerNack
{
    private const int ItemLength = 4;
    private readonly ReadOnlySpan<byte> _fci;

    private TransportLayerNack(uint senderSsrc, uint mediaSsrc, ReadOnlySpan<byte> fci)
    {
        SenderSsrc = senderSsrc;
        MediaSsrc = mediaSsrc;
        _fci = fci;
    }

    public uint SenderSsrc { get; }
    public uint MediaSsrc { get; }
    public int ItemCount => _fci.Length / ItemLength;

    public NackItem GetItem(int index)
    {
        ReadOnlySpan<byte> item = _fci[(index * ItemLength)..];
        return new NackItem(BinaryPrimitives.ReadUInt16BigEndian(item), BinaryPrimitives.ReadUInt16BigEndian(item[2..]));
    }

    /// <summary>Number of lost sequence numbers all items name (an upper bound for <see cref="CopyLostSequenceNumbers"/>).</summary>
    public int LostCount
    {
        get
        {
            int count = 0;
            for (int i = 0; i < ItemCount; i++)
            {
                count += 1 + System.Numerics.BitOperations.PopCount(GetItem(i).LostBitmask);
            }
            return count;
        }
    }

    /// <summary>Expands the items into lost sequence numbers, in wire order; returns how many were written.</summary>
    public int CopyLostSequenceNumbers(Span<ushort> destination)
    {
        int written = 0;
        for (int i = 0; i < ItemCount; i++)
        {
            NackItem item = GetItem(i);
            if (written == destination.Length)
            {
                break;
            }
            destination[written++] = item.PacketId;
            for (int bit = 0; bit < 16 && written < destination.Length; bit++)
            {
                if ((item.LostBitmask & (1 << bit)) != 0)
                {
                    destination[written++] = (ushort)(item.PacketId + bit + 1);
                }
            }
        }
        return written;
    }

    public static bool TryParse(ReadOnlySpan<byte> packet, out TransportLayerNack nack, out DropReason reason)
    {
        nack = default;
        if (!RtcpFeedback.TryParse(packet, RtcpPacketType.TransportLayerFeedback, (byte)TransportLayerFeedbackFormat.Nack, out uint sender, out uint media, out ReadOnlySpan<byte> fci, out reason))
        {
            return false;
        }
        // RFC 4585 §6.2.1: the FCI holds at least one 4-byte item.
        if (fci.IsEmpty || fci.Length % ItemLength != 0)
        {
            reason = DropReason.RtcpBadLength;
            return false;
        }
        nack = new TransportLayerNack(sender, media, fci);
        return true;
    }

    /// <summary>Number of PID/BLP items <see cref="Write"/> produces for <paramref name="lost"/>.</summary>
    public static int CountItems(ReadOnlySpan<ushort> lost)
    {
        int items = 0;
        ushort pid = 0;
        for (int i = 0; i < lost.Length; i++)
        {
            int distance = (ushort)(lost[i] - pid);
            // A duplicate of the current PID adds nothing; a sequence number more than 16 after it opens an item.
            if (items == 0 || distance > 16)
            {
                items++;
                pid = lost[i];
            }
        }
        return items;
    }

    /// <summary>
    /// Builds a NACK from lost sequence numbers, ideally ascending in RFC 1982 order (any order is correct, only
    /// less compact). Returns the length, 0 if <paramref name="lost"/> is empty or it does not fit.
    /// </summary>
    public static int Write(Span<byte> destination, uint senderSsrc, uint mediaSsrc, ReadOnlySpan<ushort> lost)
    {
        int items = CountItems(lost);
        int length = RtcpFeedback.HeaderLength + (items * ItemLength);
        if (items == 0 || destination.Length < length || length / 4 > ushort.MaxValue)
        {
            return 0;
        }
        RtcpFeedback.WriteHeader(destination, RtcpPacketType.TransportLayerFeedback, (byte)TransportLayerFeedbackFormat.Nack, length, senderSsrc, mediaSsrc);
        int position = RtcpFeedback.HeaderLength - ItemLength;
        ushort pid = 0;
        ushort blp = 0;
        bool open = false;
        foreach (ushort seq in lost)
        {
            int distance = (ushort)(seq - pid);
            if (open && distance <= 16)
            {
                blp |= distance == 0 ? (ushort)0 : (ushort)(1 << (distance - 1));
                continue;
            }
            if (open)
            {
                BinaryPrimitives.WriteUInt16BigEndian(destination[(position + 2)..], blp);
            }
            position += ItemLength;
            pid = seq;
            blp = 0;
            open = true;
            BinaryPrimitives.WriteUInt16BigEndian(destination[position..], pid);
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination[(position + 2)..], blp);
        return length;
    }
}
