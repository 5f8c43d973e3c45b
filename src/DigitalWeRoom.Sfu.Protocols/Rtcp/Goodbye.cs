using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>
/// Goodbye (RFC 3550 §6.6): SC SSRC/CSRC identifiers leaving, then an optional length-prefixed reason.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|    SC   |   PT=BYE=203  |             length            |
/// |                           SSRC/CSRC                           |
/// :                              ...                              :
/// |     length    |               reason for leaving            ...
/// </code>
/// </remarks>
internal readonly ref struct Goodbye
{
    private readonly ReadOnlySpan<byte> _body;

    private Goodbye(ReadOnlySpan<byte> body, int count, ReadOnlySpan<byte> reason)
    {
        _body = body;
        SsrcCount = count;
        Reason = reason;
    }

    public int SsrcCount { get; }

    /// <summary>The reason text (may be empty).</summary>
    public ReadOnlySpan<byte> Reason { get; }

    public uint GetSsrc(int index) => BinaryPrimitives.ReadUInt32BigEndian(_body[(4 * index)..]);

    public static bool TryParse(ReadOnlySpan<byte> packet, out Goodbye bye, out DropReason reason)
    {
        bye = default;
        if (!RtcpHeader.TryParseBody(packet, RtcpPacketType.Goodbye, out RtcpHeader header, out ReadOnlySpan<byte> body, out reason))
        {
            return false;
        }
        int ssrcBytes = 4 * header.Count;
        if (body.Length < ssrcBytes)
        {
            reason = DropReason.RtcpBadLength;
            return false;
        }
        ReadOnlySpan<byte> text = default;
        if (body.Length > ssrcBytes && body[ssrcBytes] != 0)
        {
            int length = body[ssrcBytes];
            if (ssrcBytes + 1 + length > body.Length)
            {
                reason = DropReason.RtcpBadLength;
                return false;
            }
            text = body.Slice(ssrcBytes + 1, length);
        }
        bye = new Goodbye(body, header.Count, text);
        return true;
    }

    /// <summary>Writes a BYE for up to 31 SSRCs with an optional reason (≤ 255 bytes). Returns the length, 0 if it does not fit.</summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<uint> ssrcs, ReadOnlySpan<byte> reasonText = default)
    {
        int unpadded = RtcpHeader.Length + (4 * ssrcs.Length) + (reasonText.IsEmpty ? 0 : 1 + reasonText.Length);
        int length = (unpadded + 3) & ~3;
        if (ssrcs.Length > 31 || reasonText.Length > 255 || destination.Length < length)
        {
            return 0;
        }
        RtcpHeader.Write(destination, (byte)ssrcs.Length, RtcpPacketType.Goodbye, length);
        int position = RtcpHeader.Length;
        foreach (uint ssrc in ssrcs)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[position..], ssrc);
            position += 4;
        }
        if (!reasonText.IsEmpty)
        {
            destination[position] = (byte)reasonText.Length;
            reasonText.CopyTo(destination[(position + 1)..]);
        }
        destination[unpadded..length].Clear();
        return length;
    }
}
