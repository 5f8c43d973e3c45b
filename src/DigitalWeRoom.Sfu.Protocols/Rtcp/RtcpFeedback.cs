using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>
/// The common header of RTPFB/PSFB feedback messages (RFC 4585 §6.1): FMT in the count field, the SSRC of the
/// packet sender and the SSRC of the media source, then feedback control information (FCI).
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|   FMT   |       PT      |          length               |
/// |                  SSRC of packet sender                        |
/// |                  SSRC of media source                         |
/// :            Feedback Control Information (FCI)                 :
/// </code>
/// </remarks>
internal static class RtcpFeedback
{
    public const int HeaderLength = 12;

    public static bool TryParse(ReadOnlySpan<byte> packet, RtcpPacketType type, byte format, out uint senderSsrc, out uint mediaSsrc, out ReadOnlySpan<byte> fci, out DropReason reason)
    {
        senderSsrc = 0;
        mediaSsrc = 0;
        fci = default;
        if (!RtcpHeader.TryParseBody(packet, type, out RtcpHeader header, out ReadOnlySpan<byte> body, out reason))
        {
            return false;
        }
        if (header.Count != format)
        {
            reason = DropReason.RtcpUnknownType;
            return false;
        }
        if (body.Length < HeaderLength - RtcpHeader.Length)
        {
            reason = DropReason.RtcpBadLength;
            return false;
        }
        senderSsrc = BinaryPrimitives.ReadUInt32BigEndian(body);
        mediaSsrc = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        fci = body[8..];
        return true;
    }

    /// <summary>Writes the 12-byte common header for a packet of <paramref name="packetLength"/> bytes.</summary>
    public static void WriteHeader(Span<byte> destination, RtcpPacketType type, byte format, int packetLength, uint senderSsrc, uint mediaSsrc)
    {
        RtcpHeader.Write(destination, format, type, packetLength);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], mediaSsrc);
    }
}
