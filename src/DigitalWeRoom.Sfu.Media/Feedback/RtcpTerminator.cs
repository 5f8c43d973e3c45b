using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Feedback;

/// <summary>
/// Terminates the RTCP a participant sends (an SFU is an RTCP endpoint toward each peer, RFC 7667 §3.7): SRs from
/// its publishers (kept for LSR/DLSR), reception reports about our SRs (RTT), PLI/FIR from it as a subscriber
/// (relayed as a throttled PLI to the publisher), NACK (posted to its own send loop, which owns the retransmission
/// buffers), transport-cc and REMB (its <see cref="Congestion.SubscriberBandwidth"/>). Runs on the participant's
/// receive loop; borrows the packet for the call.
/// </summary>
public sealed class RtcpTerminator
{
    private readonly PacketPool _pool;
    private readonly MediaCounters _counters;
    private readonly TimeProvider _time;
    private readonly IPublisherFeedback _publishers;

    internal RtcpTerminator(PacketPool pool, MediaCounters counters, TimeProvider time, IPublisherFeedback publishers)
    {
        _pool = pool;
        _counters = counters;
        _time = time;
        _publishers = publishers;
    }

    /// <summary>A decrypted RTCP compound from <paramref name="from"/>.</summary>
    public void OnRtcp(MediaTransport from, PooledPacket packet)
    {
        long now = _time.GetTimestamp();
        var reader = new RtcpCompoundReader(packet.Span);
        while (reader.TryReadNext(out var header, out var p))
        {
            switch (header.PacketType)
            {
                case RtcpPacketType.SenderReport:
                    // RFC 3550 §6.4.1: keep its NTP timestamp for LSR/DLSR in our RR.
                    if (SenderReport.TryParse(p, out var sr, out _))
                    {
                        if (from.TryFindProducerBySsrc(sr.Ssrc, out var producer))
                        {
                            producer.Receiver.OnSenderReport(sr.NtpTimestamp, now);
                        }
                        for (int i = 0; i < sr.ReportCount; i++) OnReceptionReport(from, sr.GetReport(i));
                    }
                    break;
                case RtcpPacketType.ReceiverReport:
                    if (ReceiverReport.TryParse(p, out var rr, out _))
                    {
                        for (int i = 0; i < rr.ReportCount; i++) OnReceptionReport(from, rr.GetReport(i));
                    }
                    break;
                case RtcpPacketType.PayloadSpecificFeedback when header.Count == (byte)PayloadSpecificFeedbackFormat.PictureLossIndication:
                    // PLI, RFC 4585 §6.3.1: media source SSRC in the common feedback header.
                    if (PictureLossIndication.TryParse(p, out var pli, out _))
                    {
                        _counters.OnPliReceived();
                        OnKeyFrameRequestFromSubscriber(from, pli.MediaSsrc);
                    }
                    break;
                case RtcpPacketType.PayloadSpecificFeedback when header.Count == (byte)PayloadSpecificFeedbackFormat.FullIntraRequest:
                    // FIR, RFC 5104 §4.3.1: one entry (SSRC, seq nr) per requested source.
                    if (FullIntraRequest.TryParse(p, out var fir, out _))
                    {
                        _counters.OnFirReceived();
                        for (int i = 0; i < fir.EntryCount; i++)
                        {
                            OnKeyFrameRequestFromSubscriber(from, fir.GetEntry(i).Ssrc);
                        }
                    }
                    break;
                case RtcpPacketType.TransportLayerFeedback when header.Count == (byte)TransportLayerFeedbackFormat.TransportWideCc:
                    // Transport-cc feedback from a subscriber: send-side bandwidth estimation.
                    from.Bandwidth.OnTransportFeedback(p, MediaClock.Convert(now, _time.TimestampFrequency, 1_000_000));
                    break;
                case RtcpPacketType.PayloadSpecificFeedback when header.Count == (byte)PayloadSpecificFeedbackFormat.ApplicationLayer:
                    if (ReceiverEstimatedMaxBitrate.TryParse(p, out var remb, out _))
                    {
                        from.Bandwidth.OnRemb(remb.Bitrate, MediaClock.Convert(now, _time.TimestampFrequency, 1_000_000));
                    }
                    break;
                case RtcpPacketType.TransportLayerFeedback when header.Count == (byte)TransportLayerFeedbackFormat.Nack:
                    // Generic NACK, RFC 4585 §6.2.1: the subscriber's send loop owns the stream's retransmission buffer.
                    if (TransportLayerNack.TryParse(p, out var nack, out _))
                    {
                        _counters.OnNackReceived();
                        PostNack(from, nack.MediaSsrc, p);
                    }
                    break;
            }
        }
        if (reader.Error != DropReason.None)
        {
            _counters.Drops.Increment(reader.Error);
        }
    }

    private void PostNack(MediaTransport subscriber, uint mediaSsrc, ReadOnlySpan<byte> nack)
    {
        if (!subscriber.TryFindConsumerByOutputSsrc(mediaSsrc, out var consumer) || consumer.Stream.Retransmissions is null) return;
        if (nack.Length > PooledPacket.Capacity) return;
        var packet = _pool.Rent();
        nack.CopyTo(packet.Buffer);
        packet.Length = nack.Length;
        subscriber.Outbound.TryEnqueue(OutboundItem.ForNack(packet, consumer.Stream));
    }

    /// <summary>
    /// A reception report block from <paramref name="from"/> about one of our SRs: RTT = now − LSR − DLSR
    /// (RFC 3550 §6.4.1, compact NTP). The same peer publishes on this transport: its producers' NACK retries use it.
    /// </summary>
    private void OnReceptionReport(MediaTransport from, in ReceptionReport block)
    {
        _counters.OnReceptionReport();
        if (from.TryFindConsumerByOutputSsrc(block.Ssrc, out var consumer))
        {
            consumer.Stream.OnReceptionReport(block.FractionLost, block.CumulativeLost);
        }
        if (block.LastSr == 0) return;
        uint nowCompact = (uint)(MediaClock.ToNtp(_time.GetUtcNow()) >> 16);
        uint rtt = nowCompact - block.LastSr - block.DelaySinceLastSr;
        if ((int)rtt <= 0 || rtt > 65536 * 10) return; // Clock oddities: keep the previous value.
        var value = TimeSpan.FromSeconds(rtt / 65536.0);
        _counters.Telemetry?.OnRtt(value);
        foreach (var producer in from.Producers)
        {
            producer.Nack?.SetRtt(value);
        }
    }

    private void OnKeyFrameRequestFromSubscriber(MediaTransport subscriber, uint mediaSsrc)
    {
        if (subscriber.TryFindConsumerByOutputSsrc(mediaSsrc, out var consumer))
        {
            _publishers.RequestKeyFrame(consumer.KeyFrameSource);
        }
    }
}
