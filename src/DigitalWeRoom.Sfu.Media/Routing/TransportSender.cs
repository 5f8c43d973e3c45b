using System.Threading.Channels;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Codecs;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport.Srtp;
using DigitalWeRoom.Sfu.Transport.Udp;
using DigitalWeRoom.Sfu.Media.Congestion;
using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// The single sender of one transport. Publishers' receive loops (and timers) hand it <see cref="OutboundItem"/> items.
/// When its queue is empty and nobody is sending for it, the item is sent at once on the calling thread (inline: no
/// queue hop, no wake-up; on a receive loop the datagram joins that loop's <c>sendmmsg</c> batch); otherwise it goes
/// into a bounded single-reader channel that drops the oldest item when full (its packet is released and a
/// QueueOverflow drop counted), drained by the send loop. A busy flag makes the inline sender and the send loop
/// mutually exclusive, so the transport's SRTP send state and its streams' retransmission buffers still have one
/// owner at a time. Forwarded RTP goes through the <see cref="Pacer{T}"/> once the subscriber's bandwidth estimate
/// is known (bursts smoothed at 1.5 × the estimate, bounded, drop oldest; audio goes ahead of queued video, unpaced).
/// Each packet is copied into a scratch buffer (room for SRTP overhead after it), rewritten there
/// (SSRC/seq/timestamp), protected and sent, and the pooled packet released. Everything the server sends to this
/// participant goes through here: forwarded RTP, retransmissions (<see cref="Retransmitter"/>), bandwidth probes
/// (<see cref="ProbeSender"/>), SR/RR, and, toward its publisher side, PLI, NACK, transport-cc and REMB.
/// A transport pinned to a <see cref="SendWorker"/> (two cores for one room) is sent by that worker's thread instead
/// of the channel and send loop (TransportSender.Owner.cs).
/// </summary>
public sealed partial class TransportSender
{
    /// <summary>Bytes reserved after a packet for the SRTP/SRTCP tag and index.</summary>
    public const int SrtpHeadroom = SrtpContext.MaxOverhead;

    public const int ScratchLength = 2048;

    /// <summary>One forwarded packet in this many (a power of two) is timed for the forward-latency metric.</summary>
    public const int ForwardLatencySampling = 64;

    /// <summary>Shortest pacer wake-up (timers are coarser than this anyway).</summary>
    internal const long MinPacerDelayMicros = 1000;

    private readonly MediaTransport _owner;
    private readonly IRtpPacketSender _transport;
    private readonly MediaCounters _counters;
    private readonly TimeProvider _time;
    private readonly Channel<OutboundItem> _queue;
    private readonly byte[] _scratch = new byte[ScratchLength];
    private readonly Retransmitter _retransmitter;
    private readonly ProbeSender _probes;
    private uint _forwarded;

    private readonly bool _inline;
    // Created on the first packet to pace (once the subscriber's estimate is known): 14 KB a listener never needs.
    private Pacer<OutboundItem>? _pacer;
    private readonly bool _pacing;
    private readonly int _pacerCapacity;
    private ITimer? _pacerTimer;
    private int _pacerTimerArmed;
    private int _busy;
    private readonly ArrivalRateMeter _arrival = new();
    private volatile bool _completed;

    internal TransportSender(MediaTransport owner, IRtpPacketSender transport, MediaCounters counters, TimeProvider time, RouterOptions options)
    {
        _owner = owner;
        _transport = transport;
        _counters = counters;
        _time = time;
        _inline = options.InlineSend ?? options.StartSendLoops;
        _pacing = options.Pacing;
        _pacerCapacity = options.PacerCapacity;
        _queue = Channel.CreateBounded<OutboundItem>(
            new BoundedChannelOptions(options.SubscriberQueueCapacity)
            {
                SingleReader = true,
                SingleWriter = false,
                FullMode = BoundedChannelFullMode.DropOldest,
                AllowSynchronousContinuations = false,
            },
            OnItemDropped);
        _workers = options.SendWorkers;
        _worker = _workers?.Assign();
        _retransmitter = new Retransmitter(_scratch, transport, counters, time, owner.Bandwidth, options.RetransmissionShare);
        _probes = new ProbeSender(_scratch, transport, counters, time, owner.Bandwidth, this);
    }

    /// <summary>Answers NACKs from this transport's retransmission buffers (send loop).</summary>
    internal Retransmitter Retransmitter => _retransmitter;

    /// <summary>Items waiting in the queue (for tests and metrics).</summary>
    public int QueuedCount => _queue.Reader.Count + Volatile.Read(ref _pending);

    /// <summary>RTP packets held by the pacer (send loop's view; for tests and metrics).</summary>
    public int PacedCount => _pacer?.Count ?? 0;

    /// <summary>
    /// Any thread. Takes ownership of the item's packet reference (released here if not queued). Sends inline when
    /// allowed (see the type's summary), else queues.
    /// </summary>
    public bool TryEnqueue(in OutboundItem item)
    {
        if (_completed)
        {
            item.Packet?.Release();
            _counters.Drops.Increment(DropReason.NotConnected);
            return false;
        }
        if (_worker is { } worker)
        {
            return TryEnqueueOnWorker(worker, item);
        }
        // Inline only behind an empty queue, so items of one producer never overtake each other.
        if (_inline && _queue.Reader.Count == 0 && TryProcessInline(item))
        {
            return true;
        }
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
    /// Processes every item available now, synchronously, in one <c>sendmmsg</c> batch; returns how many. The loop
    /// body of <see cref="RunAsync"/>, also called directly by tests (never concurrently with itself: single reader).
    /// </summary>
    public int DrainAvailable()
    {
        var reader = _queue.Reader;
        int count = 0;
        AcquireBusy();
        try
        {
            using var batch = EgressBatch.Enter();
            while (reader.TryRead(out var item))
            {
                Process(item);
                count++;
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
        return count;
    }

    /// <summary>No more items; the loop ends after draining.</summary>
    public void Complete()
    {
        if (!_completed)
        {
            _workers?.Unassign(_worker);
        }
        _completed = true;
        _queue.Writer.TryComplete();
        _pacerTimer?.Dispose();
        _probes.Dispose();
    }

    internal void ReleaseRemaining()
    {
        while (_queue.Reader.TryRead(out var item))
        {
            item.Packet?.Release();
        }
        if (Volatile.Read(ref _pacer) is null)
        {
            return;
        }
        AcquireBusy();
        try
        {
            while (_pacer!.TryDequeueUnpaced(out var item))
            {
                item.Packet?.Release();
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private void Process(in OutboundItem item)
    {
        if (_pacing)
        {
            if (item.Kind == OutboundKind.Rtp && (_pacer is { Count: > 0 } || _owner.Bandwidth.HasFeedback))
            {
                Pace(item);
                return;
            }
            if (item.Kind == OutboundKind.PacerTick)
            {
                Volatile.Write(ref _pacerTimerArmed, 0);
                DrainPacer(NowMicros());
                return;
            }
        }
        ProcessNow(item);
    }

    private void ProcessNow(in OutboundItem item)
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
                    _retransmitter.Retransmit(item);
                    break;
                case OutboundKind.ProbeTick:
                    _probes.SendProbes(_owner.Streams);
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

    /// <summary>
    /// Into the pacer (drop oldest when full), then send what the budget allows now. The pacing rate is 1.5 × the
    /// larger of the estimate and the rate RTP arrived at over the last window: the pacer spreads bursts (key
    /// frames) but never paces below what is being forwarded — fitting the streams to the estimate is the
    /// LayerAllocator's job — so it cannot build a standing queue that would drop media. Until one window has
    /// been measured nothing is held back.
    /// </summary>
    private void Pace(in OutboundItem item)
    {
        if (_pacer is null)
        {
            Volatile.Write(ref _pacer, new Pacer<OutboundItem>(_pacerCapacity, _owner.Bandwidth.Estimate));
        }
        long now = NowMicros();
        int size = item.Packet!.Length;
        _arrival.Add(size, now);
        if (double.IsPositiveInfinity(_arrival.Bps) && _pacer!.Count == 0)
        {
            ProcessNow(item);
            return;
        }
        _pacer!.SetEstimate(Math.Max(_owner.Bandwidth.Estimate, _arrival.Bps));
        // Audio jumps the queue: it leaves at once (in the drain below), ahead of any video waiting for budget.
        if (!_pacer.Enqueue(item, size, item.Stream?.IsAudio == true, out var dropped))
        {
            dropped.Packet?.Release();
            _counters.Drops.Increment(DropReason.PacerOverflow);
        }
        DrainPacer(now);
    }

    private void DrainPacer(long now)
    {
        if (_pacer is not { } pacer)
        {
            return; // a pacer tick before any packet was paced
        }
        if (_completed)
        {
            // Closed while this item was on its way in: nobody else will release it.
            while (pacer.TryDequeueUnpaced(out var stale))
            {
                stale.Packet?.Release();
            }
            return;
        }
        while (pacer.TryDequeue(now, out var next))
        {
            ProcessNow(next);
        }
        if (pacer.Count > 0 && !_completed && Interlocked.Exchange(ref _pacerTimerArmed, 1) == 0)
        {
            long delay = Math.Max(MinPacerDelayMicros, pacer.DelayUntilNext(now));
            _pacerTimer ??= _time.CreateTimer(static state => ((TransportSender)state!).OnPacerTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _pacerTimer.Change(TimeSpan.FromMicroseconds(delay), Timeout.InfiniteTimeSpan);
        }
    }

    private void OnPacerTimer() => TryEnqueue(OutboundItem.PacerTick());

    private long NowMicros() => MediaClock.Convert(_time.GetTimestamp(), _time.TimestampFrequency, 1_000_000);

    private void SendRtp(in OutboundItem item)
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
            if ((++_forwarded & (ForwardLatencySampling - 1)) == 0 && packet.ReceivedAt != 0 && !item.Replayed && _counters.Telemetry is { } telemetry)
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

    private void SendRtcpCopy(in OutboundItem item)
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

    private void OnItemDropped(OutboundItem item) => ReleaseDropped(item, DropReason.QueueOverflow);
}
