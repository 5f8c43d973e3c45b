using System.Text;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Media.Feedback;

/// <summary>
/// Builds the periodic RTCP compound a transport sends (RFC 3550 §6.1): an SR per outgoing stream that has sent
/// media (NTP↔RTP mapping, packet/octet counts; the first one carries reception report blocks for the streams this
/// transport publishes) or, with nothing sent yet, an RR from the transport's own RTCP SSRC; then SDES CNAME.
/// Streams that do not fit one datagram rotate across ticks. Runs on the transport's send loop (owner of the senders).
/// </summary>
internal sealed class RtcpReportBuilder
{
    /// <summary>Keep a report comfortably inside one datagram after SRTCP overhead.</summary>
    public const int MaxCompoundLength = 1200;

    private readonly uint _rtcpSsrc;
    private readonly byte[] _cname;
    private readonly ReceptionReport[] _blocks = new ReceptionReport[31];
    private readonly uint[] _sdesSsrcs = new uint[31];
    private int _rotation;

    public RtcpReportBuilder(uint rtcpSsrc, string cname)
    {
        _rtcpSsrc = rtcpSsrc;
        _cname = Encoding.ASCII.GetBytes(cname.Length > 255 ? cname[..255] : cname);
    }

    public int Write(Span<byte> dest, ReadOnlySpan<RtpStreamSender> senders, ReadOnlySpan<RtpStreamReceiver> receivers, long now, long frequency, DateTimeOffset utcNow)
    {
        if (dest.Length > MaxCompoundLength) dest = dest[..MaxCompoundLength];
        int blockCount = 0;
        foreach (var receiver in receivers)
        {
            if (blockCount == _blocks.Length) break;
            if (receiver.PacketsReceived == 0) continue;
            _blocks[blockCount++] = receiver.BuildReportBlock(now, frequency);
        }
        var blocks = _blocks.AsSpan(0, blockCount);

        ulong ntp = MediaClock.ToNtp(utcNow);
        int sdesReserve = 4 + ((4 + 2 + _cname.Length + 1 + 3) & ~3);
        int offset = 0;
        int sdesCount = 0;
        int start = senders.Length == 0 ? 0 : _rotation % senders.Length;
        for (int k = 0; k < senders.Length && sdesCount < _sdesSsrcs.Length; k++)
        {
            var sender = senders[(start + k) % senders.Length];
            if (!sender.HasSent) continue;
            // Leave room for this stream's SDES chunk (and the header).
            int needed = 28 + (offset == 0 ? ReceptionReport.Length * blockCount : 0) + sdesReserve * (sdesCount + 1);
            if (offset + needed > dest.Length) break;
            int written = SenderReport.Write(
                dest[offset..], sender.Ssrc, ntp, sender.RtpTimestampAt(now, frequency),
                (uint)sender.PacketCount, (uint)sender.OctetCount, offset == 0 ? blocks : default);
            if (written == 0) break;
            offset += written;
            _sdesSsrcs[sdesCount++] = sender.Ssrc;
            _rotation = (start + k + 1) % senders.Length;
        }
        if (offset == 0)
        {
            if (blockCount == 0) return 0; // nothing sent, nothing received: nothing to report
            offset = ReceiverReport.Write(dest, _rtcpSsrc, blocks);
            if (offset == 0) return 0;
            _sdesSsrcs[sdesCount++] = _rtcpSsrc;
        }
        offset += SourceDescription.WriteCname(dest[offset..], _sdesSsrcs.AsSpan(0, sdesCount), _cname);
        return offset;
    }
}
