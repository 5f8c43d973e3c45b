using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>
/// Receiver report (RFC 3550 §6.4.2): reporter SSRC and RC reception report blocks.
/// </summary>
/// <remarks>
/// <code>
/// |V=2|P|    RC   |   PT=RR=201   |             length            |
/// |                     SSRC of packet sender                     |
/// |                 report blocks (24 bytes each)                 |
/// </code>
/// </remarks>
public readonly ref struct ReceiverReport
{
    private readonly ReadOnlySpan<byte> _body;

    private ReceiverReport(ReadOnlySpan<byte> body, int reportCount)
    {
        _body = body;
        ReportCount = reportCount;
    }

    public uint Ssrc => BinaryPrimitives.ReadUInt32BigEndian(_body);
    public int ReportCount { get; }

    public ReceptionReport GetReport(int index) => ReceptionReport.Read(_body[(4 + (index * ReceptionReport.Length))..]);

    public static bool TryParse(ReadOnlySpan<byte> packet, out ReceiverReport report, out DropReason reason)
    {
        report = default;
        if (!RtcpHeader.TryParseBody(packet, RtcpPacketType.ReceiverReport, out RtcpHeader header, out ReadOnlySpan<byte> body, out reason))
        {
            return false;
        }
        if (body.Length < 4 + (header.Count * ReceptionReport.Length))
        {
            reason = DropReason.RtcpBadLength;
            return false;
        }
        report = new ReceiverReport(body, header.Count);
        return true;
    }

    /// <summary>Writes an RR with up to 31 report blocks; returns the length, 0 if it does not fit.</summary>
    public static int Write(Span<byte> destination, uint ssrc, ReadOnlySpan<ReceptionReport> reports = default)
    {
        int length = RtcpHeader.Length + 4 + (reports.Length * ReceptionReport.Length);
        if (reports.Length > 31 || destination.Length < length)
        {
            return 0;
        }
        RtcpHeader.Write(destination, (byte)reports.Length, RtcpPacketType.ReceiverReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ssrc);
        for (int i = 0; i < reports.Length; i++)
        {
            reports[i].Write(destination[(8 + (i * ReceptionReport.Length))..]);
        }
        return length;
    }
}
