using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Media.Congestion;
using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// Answers a subscriber's generic NACK (RFC 4585 §6.2.1) on the send loop, from the stream's
/// <see cref="RetransmissionBuffer"/>: as an RTX packet (RFC 4588 §4) when RTX is negotiated for the stream and
/// the payload type, else as the original packet again (same SSRC and sequence number). Retransmissions spend a
/// token bucket filled at <see cref="RouterOptions.RetransmissionShare"/> of the subscriber's estimate. Owned by the
/// transport's <see cref="TransportSender"/> (its send loop) and writes into the sending thread's <see cref="SendScratch"/> buffer.
/// </summary>
internal sealed class Retransmitter
{
    /// <summary>The sending thread's scratch buffer (<see cref="SendScratch"/>).</summary>
    private static byte[] Scratch => SendScratch.Current;
    private readonly IRtpPacketSender _transport;
    private readonly MediaCounters _counters;
    private readonly TimeProvider _time;
    private readonly SubscriberBandwidth _bandwidth;
    private readonly double _share;

    /// <summary>The retransmission bucket holds at most this much time's worth of its rate.</summary>
    private const double RetransmissionBurstSeconds = 0.25;

    /// <summary>...and at least one full packet, so a low estimate still allows an occasional repair.</summary>
    private const double RetransmissionMinBurstBytes = 1500;

    private double _retransmitTokens = double.NaN;
    private long _retransmitRefilledAt;

    internal Retransmitter(IRtpPacketSender transport, MediaCounters counters, TimeProvider time, SubscriberBandwidth bandwidth, double share)
    {
        _transport = transport;
        _counters = counters;
        _time = time;
        _bandwidth = bandwidth;
        _share = share;
    }

    private const int ScratchLength = TransportSender.ScratchLength;

    private const int SrtpHeadroom = TransportSender.SrtpHeadroom;

    /// <summary>
    /// Whether a retransmission of <paramref name="bytes"/> fits the budget now (and spends it). Send loop only.
    /// Unlimited until the subscriber's estimate is known or when the share is 0.
    /// </summary>
    internal bool TrySpendRetransmissionBudget(int bytes, long now)
    {
        if (_share <= 0 || !_bandwidth.HasFeedback) return true;
        double bytesPerSecond = _share * _bandwidth.Estimate / 8;
        double capacity = Math.Max(RetransmissionMinBurstBytes, bytesPerSecond * RetransmissionBurstSeconds);
        if (double.IsNaN(_retransmitTokens))
        {
            _retransmitTokens = capacity;
        }
        else
        {
            double elapsed = (double)(now - _retransmitRefilledAt) / _time.TimestampFrequency;
            _retransmitTokens = Math.Min(capacity, _retransmitTokens + Math.Max(0, elapsed) * bytesPerSecond);
        }
        _retransmitRefilledAt = now;
        if (_retransmitTokens < bytes) return false;
        _retransmitTokens -= bytes;
        return true;
    }

    /// <summary>Send loop: answers the NACK held in <paramref name="item"/> (the caller releases its packet).</summary>
    internal void Retransmit(in OutboundItem item)
    {
        var stream = item.Stream!;
        var buffer = stream.Retransmissions;
        if (buffer is null || !TransportLayerNack.TryParse(item.Packet!.Span, out var nack, out _))
        {
            return;
        }
        long now = _time.GetTimestamp();
        for (int i = 0; i < nack.ItemCount; i++)
        {
            var lost = nack.GetItem(i);
            ResendOne(stream, buffer, lost.PacketId, now);
            for (int bit = 0; bit < 16; bit++)
            {
                if ((lost.LostBitmask & (1 << bit)) != 0)
                {
                    ResendOne(stream, buffer, (ushort)(lost.PacketId + bit + 1), now);
                }
            }
        }
    }

    private void ResendOne(RtpStreamSender stream, RetransmissionBuffer buffer, ushort seq, long now)
    {
        if (!buffer.TryGetForResend(seq, now, out var entry, out _))
        {
            _counters.OnRetransmissionMissed();
            return;
        }
        try
        {
            int length = stream.TryGetRtxPayloadType(entry.PayloadType, out byte rtxPayloadType)
                ? WriteRtx(stream, entry, rtxPayloadType)
                : WriteOriginal(stream, entry);
            if (length == 0)
            {
                _counters.Drops.Increment(DropReason.TooLarge);
            }
            else if (!TrySpendRetransmissionBudget(length, now))
            {
                _counters.OnRetransmissionOverBudget();
            }
            else if (_transport.TrySendRtp(Scratch, length))
            {
                _counters.OnRetransmitted();
            }
            else
            {
                _counters.Drops.Increment(DropReason.NotConnected);
            }
        }
        finally
        {
            entry.Packet.Release();
        }
    }

    private int WriteOriginal(RtpStreamSender stream, in RetransmissionEntry entry)
    {
        var source = entry.Packet.Span;
        if (source.Length > ScratchLength - SrtpHeadroom) return 0;
        var scratch = Scratch.AsSpan();
        source.CopyTo(scratch);
        RtpHeader.SetSequenceNumber(scratch, entry.SequenceNumber);
        RtpHeader.SetTimestamp(scratch, entry.Timestamp);
        RtpHeader.SetSsrc(scratch, stream.Ssrc);
        RtpHeader.SetPayloadType(scratch, entry.PayloadType);
        return source.Length;
    }

    /// <summary>
    /// RFC 4588 §4: the original header (CSRCs and extensions kept) with the RTX SSRC, payload type and the RTX
    /// stream's own sequence number, then the original sequence number (OSN, 2 bytes), then the original payload.
    /// Padding is not carried over.
    /// </summary>
    private int WriteRtx(RtpStreamSender stream, in RetransmissionEntry entry, byte rtxPayloadType)
    {
        if (!RtpPacketView.TryParse(entry.Packet.Span, out var view, out _)) return 0;
        int headerLength = view.HeaderLength;
        var payload = view.Payload;
        int length = headerLength + 2 + payload.Length;
        if (length > ScratchLength - SrtpHeadroom) return 0;
        var scratch = Scratch.AsSpan();
        view.Packet[..headerLength].CopyTo(scratch);
        scratch[0] &= 0xDF; // no padding
        ushort rtxSeq = stream.NextRtxSequenceNumber;
        stream.NextRtxSequenceNumber = (ushort)(rtxSeq + 1);
        RtpHeader.SetSequenceNumber(scratch, rtxSeq);
        RtpHeader.SetTimestamp(scratch, entry.Timestamp);
        RtpHeader.SetSsrc(scratch, stream.RtxSsrc);
        RtpHeader.SetPayloadType(scratch, rtxPayloadType);
        BinaryPrimitives.WriteUInt16BigEndian(scratch[headerLength..], entry.SequenceNumber);
        payload.CopyTo(scratch[(headerLength + 2)..]);
        return length;
    }
}
