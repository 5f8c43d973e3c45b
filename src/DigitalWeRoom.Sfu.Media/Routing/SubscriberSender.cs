using System.Threading.Channels;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Codecs;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// The single send loop of one transport. Publishers' receive loops (and timers) enqueue <see cref="OutboundRtp"/>
/// items into a bounded single-reader channel that drops the oldest item when full (its packet is released and a
/// QueueOverflow drop counted). The loop drains everything available, copies each packet into its own scratch buffer
/// (room for SRTP overhead after it), rewrites SSRC/seq/timestamp there, sends, and releases the pooled packet.
/// Everything this transport sends (forwarded RTP, PLI to its publisher side, SR/RR) goes through here, so the
/// transport's SRTP send state has one owner.
/// </summary>
internal sealed partial class SubscriberSender
{
    /// <summary>Bytes reserved after a packet for the SRTP/SRTCP tag and index.</summary>
    public const int SrtpHeadroom = SrtpContext.MaxOverhead;

    public const int ScratchLength = 2048;

    /// <summary>One forwarded packet in this many (a power of two) is timed for the forward-latency metric.</summary>
    public const int ForwardLatencySampling = 64;

    private readonly MediaTransport _owner;
    private readonly IRtpPacketSender _transport;
    private readonly MediaCounters _counters;
    private readonly TimeProvider _time;
    private readonly Channel<OutboundRtp> _queue;
    private readonly byte[] _scratch = new byte[ScratchLength];
    private uint _forwarded;

    internal SubscriberSender(MediaTransport owner, IRtpPacketSender transport, MediaCounters counters, TimeProvider time, int capacity)
    {
        _owner = owner;
        _transport = transport;
        _counters = counters;
        _time = time;
        _queue = Channel.CreateBounded<OutboundRtp>(
            new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                SingleWriter = false,
                FullMode = BoundedChannelFullMode.DropOldest,
                AllowSynchronousContinuations = false,
            },
            OnItemDropped);
    }

    /// <summary>Items waiting (for tests and metrics).</summary>
    public int QueuedCount => _queue.Reader.Count;

    /// <summary>Any thread. Takes ownership of the item's packet reference (released here if not queued).</summary>
    public bool TryEnqueue(in OutboundRtp item)
    {
        if (_queue.Writer.TryWrite(item))
        {
            return true;
        }
        // Only fails once completed (transport closed).
        item.Packet?.Release();
        _counters.Drops.Increment(DropReason.NotConnected);
        return false;
    }

    /// <summary>Runs the send loop until <see cref="Complete"/>; then releases whatever is left.</summary>
    public async Task RunAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                DrainAvailable();
            }
        }
        finally
        {
            ReleaseRemaining();
        }
    }

    /// <summary>
    /// Processes every item available now, synchronously; returns how many. The loop body of <see cref="RunAsync"/>,
    /// also called directly by tests (single reader: never concurrently with the loop).
    /// </summary>
    public int DrainAvailable()
    {
        var reader = _queue.Reader;
        int count = 0;
        while (reader.TryRead(out var item))
        {
            Process(item);
            count++;
        }
        return count;
    }

    /// <summary>No more items; the loop ends after draining.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    internal void ReleaseRemaining()
    {
        while (_queue.Reader.TryRead(out var item))
        {
            item.Packet?.Release();
        }
    }

    private void Process(in OutboundRtp item)
    {
        try
        {
            switch (item.Kind)
            {
                case OutboundKind.Rtp:
                    SendRtp(item);
                    break;
                case OutboundKind.Rtcp:
                    SendRtcpCopy(item);
                    break;
                case OutboundKind.ReportTick:
                    SendReport();
                    break;
                case OutboundKind.Nack:
                    Retransmit(item);
                    break;
            }
        }
        catch (Exception)
        {
            // A transport failure must not end the loop; the packet is counted as not sent.
            _counters.Drops.Increment(DropReason.NotConnected);
        }
        finally
        {
            item.Packet?.Release();
        }
    }

    private void SendRtp(in OutboundRtp item)
    {
        var packet = item.Packet!;
        int length = packet.Length;
        if (length > ScratchLength - SrtpHeadroom)
        {
            _counters.Drops.Increment(DropReason.TooLarge);
            return;
        }
        var scratch = _scratch.AsSpan();
        packet.Span.CopyTo(scratch);
        RtpHeader.SetSequenceNumber(scratch, item.SequenceNumber);
        RtpHeader.SetTimestamp(scratch, item.Timestamp);
        RtpHeader.SetSsrc(scratch, item.Ssrc);
        RtpHeader.SetPayloadType(scratch, item.PayloadType);
        if (item.RewriteVp8)
        {
            RewriteVp8(scratch[..length], item.Vp8PictureId, item.Vp8Tl0PicIdx);
        }
        long sendTime = _time.GetTimestamp();
        _owner.Bandwidth.TryStamp(scratch[..length], MediaClock.Convert(sendTime, _time.TimestampFrequency, 1_000_000));
        item.Stream!.Retransmissions?.Store(packet, item.SequenceNumber, item.Timestamp, item.PayloadType, sendTime);
        if (_transport.TrySendRtp(scratch, length))
        {
            item.Stream.OnSent(item.Timestamp, item.PayloadLength, sendTime);
            _counters.OnForwarded(length);
            if ((++_forwarded & (ForwardLatencySampling - 1)) == 0 && packet.ReceivedAt != 0 && !item.Replayed && _owner.Router.Telemetry is { } telemetry)
            {
                telemetry.OnForwardLatency(_time.GetElapsedTime(packet.ReceivedAt));
            }
        }
        else
        {
            _counters.Drops.Increment(DropReason.NotConnected);
        }
    }

    /// <summary>Simulcast: continuous VP8 PictureID/TL0PICIDX (RFC 7741 §4.2) written into the send copy.</summary>
    private static void RewriteVp8(Span<byte> packet, ushort pictureId, byte tl0PicIdx)
    {
        if (!RtpPacketView.TryParse(packet, out var view, out _)) return;
        var payload = packet.Slice(view.HeaderLength, view.Payload.Length);
        if (!Vp8PayloadDescriptor.TryParse(payload, out var descriptor, out _)) return;
        descriptor.TryWritePictureId(payload, pictureId);
        descriptor.TryWriteTl0PicIdx(payload, tl0PicIdx);
    }

    private void SendRtcpCopy(in OutboundRtp item)
    {
        var packet = item.Packet!;
        int length = packet.Length;
        if (length > ScratchLength - SrtpHeadroom)
        {
            _counters.Drops.Increment(DropReason.TooLarge);
            return;
        }
        packet.Span.CopyTo(_scratch);
        SendRtcp(length);
    }

    private void SendReport()
    {
        int length = _owner.WriteReport(_scratch.AsSpan(0, ScratchLength - SrtpHeadroom), _time);
        if (length > 0)
        {
            SendRtcp(length);
        }
    }

    private void SendRtcp(int length)
    {
        if (_transport.TrySendRtcp(_scratch, length))
        {
            _counters.OnRtcpSent();
        }
        else
        {
            _counters.Drops.Increment(DropReason.NotConnected);
        }
    }

    private void OnItemDropped(OutboundRtp item)
    {
        item.Packet?.Release();
        _counters.Drops.Increment(DropReason.QueueOverflow);
    }
}
