using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>
/// Sender report (RFC 3550 §6.4.1): sender info and RC reception report blocks.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|    RC   |   PT=SR=200   |             length            |
/// |                         SSRC of sender                        |
/// |              NTP timestamp, most significant word             |
/// |             NTP timestamp, least significant word             |
/// |                         RTP timestamp                         |
/// |                     sender's packet count                     |
/// |                      sender's octet count                     |
/// |                 report blocks (24 bytes each)                 |
/// </code>
/// </remarks>
public readonly ref struct SenderReport
{
    private const int SenderInfoLength = 24;
    private readonly ReadOnlySpan<byte> _body;

    private SenderReport(ReadOnlySpan<byte> body, int reportCount)
    {
        _body = body;
        ReportCount = reportCount;
    }

    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_body);
    public ulong NtpTimestamp => BinaryPrimitives.ReadUInt64BigEndian(_body[4..]);
    public uint RtpTimestamp => BinaryPrimitives.ReadUInt32BigEndian(_body[12..]);
    public uint PacketCount => BinaryPrimitives.ReadUInt32BigEndian(_body[16..]);
    public uint OctetCount => BinaryPrimitives.ReadUInt32BigEndian(_body[20..]);
    public int ReportCount { get; }

    /// <summary>The middle 32 bits of the NTP timestamp, echoed as LSR in reception reports (RFC 3550 §6.4.1).</summary>
    public uint CompactNtp => (uint)(NtpTimestamp >> 16);

    public ReceptionReport GetReport(int index) => ReceptionReport.Read(_body[(SenderInfoLength + (index * ReceptionReport.Length))..]);

    public static bool TryParse(ReadOnlySpan<byte> packet, out SenderReport report, out DropReason reason)
    {
        report = default;
        if (!RtcpHeader.TryParseBody(packet, RtcpPacketType.SenderReport, out RtcpHeader header, out ReadOnlySpan<byte> body, out reason))
        {
            return false;
        }
        // Profile-specific extensions may follow the report blocks (RFC 3550 §6.4.1); they are ignored.
        if (body.Length < SenderInfoLength + (header.Count * ReceptionReport.Length))
        {
            reason = DropReason.RtcpBadLength;
            return false;
        }
        report = new SenderReport(body, header.Count);
        return true;
    }

    /// <summary>Writes an SR with up to 31 report blocks; returns the length, 0 if it does not fit.</summary>
    public static int Write(Span<byte> destination, uint ssrc, ulong ntpTimestamp, uint rtpTimestamp, uint packetCount, uint octetCount, ReadOnlySpan<ReceptionReport> reports = default)
    {
        int length = RtcpHeader.Length + SenderInfoLength + (reports.Length * ReceptionReport.Length);
        if (reports.Length > 31 || destination.Length < length)
        {
            return 0;
        }
        RtcpHeader.Write(destination, (byte)reports.Length, RtcpPacketType.SenderReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], ntpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], rtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], packetCount);
        BinaryPrimitives.WriteUInt32BigEndian(destination[24..], octetCount);
        for (int i = 0; i < reports.Length; i++)
        {
            reports[i].Write(destination[(28 + (i * ReceptionReport.Length))..]);
        }
        return length;
    }
}
