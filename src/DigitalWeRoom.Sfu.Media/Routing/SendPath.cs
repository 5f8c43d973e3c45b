using System.Runtime.InteropServices;
using DigitalWeRoom.Sfu.Media.Congestion;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Codecs;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// The sending half of a <see cref="TransportSender"/>: everything only its one sender at a time touches (the inline
/// sender, the send loop or the transport's <see cref="SendWorker"/>, mutually excluded by the busy flag): the
/// pacer, the <see cref="Retransmitter"/> and <see cref="ProbeSender"/>, and the send step itself.
/// Each packet is copied into the sending thread's <see cref="SendScratch"/> buffer (room for SRTP overhead after it), rewritten there
/// (SSRC/seq/timestamp), protected and sent; its reference then passes to the stream's retransmission buffer.
/// Forwarded RTP goes through the <see cref="Pacer{T}"/> once the subscriber's bandwidth estimate is known (bursts
/// smoothed at 1.5 × the estimate, bounded, drop oldest; audio goes ahead of queued video, unpaced).
/// The fields the sender writes per packet sit on a cache line of their own (<see cref="SenderLine"/>): a publisher's
/// receive loop posts to this transport from another core while its worker sends, and must not share that line.
/// </summary>
internal sealed class SendPath
{
    private readonly TransportSender _sender;
    private readonly MediaTransport _owner;
    private readonly IRtpPacketSender _transport;
    private readonly MediaCounters _counters;
    private readonly TimeProvider _time;
    private readonly ArrivalRateMeter _arrival = new();
    private readonly bool _pacing;
    private readonly int _pacerCapacity;
    // Created on the first packet to pace (once the subscriber's estimate is known): 14 KB a listener never needs.
    private Pacer<OutboundItem>? _pacer;
    private ITimer? _pacerTimer;
    private int _pacerTimerArmed;
    private SenderLine _line;

    internal SendPath(TransportSender sender, MediaTransport owner, IRtpPacketSender transport, MediaCounters counters, TimeProvider time, RouterOptions options)
    {
        _sender = sender;
        _owner = owner;
        _transport = transport;
        _counters = counters;
        _time = time;
        _pacing = options.Pacing;
        _pacerCapacity = options.PacerCapacity;
        Retransmitter = new Retransmitter(transport, counters, time, owner.Bandwidth, options.RetransmissionShare);
        Probes = new ProbeSender(transport, counters, time, owner.Bandwidth, sender);
    }

    /// <summary>Answers NACKs from this transport's retransmission buffers.</summary>
    internal Retransmitter Retransmitter { get; }

    internal ProbeSender Probes { get; }

    /// <summary>RTP packets held by the pacer (the sender's view).</summary>
    internal int PacedCount => Volatile.Read(ref _pacer)?.Count ?? 0;

    /// <summary>Takes the busy flag if free; false when another thread is sending for this transport.</summary>
    internal bool TryAcquireBusy() => Interlocked.CompareExchange(ref _line.Busy, 1, 0) == 0;

    internal void AcquireBusy()
    {
        var spin = default(SpinWait);
        while (!TryAcquireBusy())
        {
            // An inline send holds it for one packet (microseconds).
            spin.SpinOnce();
        }
    }

    internal void ReleaseBusy() => Volatile.Write(ref _line.Busy, 0);

    /// <summary>Worker thread: one item posted to the worker, under the busy flag (a closing release or a test's drain may hold it).</summary>
    internal void RunOnWorker(in OutboundItem item)
    {
        AcquireBusy();
        try
        {
            Process(item);
        }
        finally
        {
            ReleaseBusy();
        }
    }

    /// <summary>This transport's inbox in its send worker dropped this item (full: oldest first; or shutting down): any thread.</summary>
    internal void OnDroppedFromWorker(in OutboundItem item, DropReason reason) => ReleaseDropped(item, reason);

    /// <summary>A queued item that will not be processed: its packet is released and the drop counted.</summary>
    internal void ReleaseDropped(in OutboundItem item, DropReason reason)
    {
        item.Packet?.Release();
        _counters.Drops.Increment(reason);
        if (item.Kind == OutboundKind.PacerTick)
        {
            // The pacer's wake-up is gone: let the next packet arm the timer again, or the pacer would stall.
            Volatile.Write(ref _pacerTimerArmed, 0);
        }
    }

    /// <summary>Closing: releases what the pacer holds (under the busy flag).</summary>
    internal void ReleasePaced()
    {
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
            ReleaseBusy();
        }
    }

    internal void StopTimers()
    {
        _pacerTimer?.Dispose();
        Probes.Dispose();
    }

    /// <summary>The sender (busy flag held): one item, through the pacer when pacing applies.</summary>
    internal void Process(in OutboundItem item)
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
        bool kept = false;
        try
        {
            switch (item.Kind)
            {
                case OutboundKind.Rtp:
                    kept = SendRtp(item);
                    break;
                case OutboundKind.Rtcp:
                    SendRtcpCopy(item);
                    break;
                case OutboundKind.ReportTick:
                    SendReport();
                    break;
                case OutboundKind.Nack:
                    Retransmitter.Retransmit(item);
                    break;
                case OutboundKind.ProbeTick:
                    Probes.SendProbes(_owner.Streams);
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
            if (!kept)
            {
                item.Packet?.Release();
            }
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
        if (_sender.IsCompleted)
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
        if (pacer.Count > 0 && !_sender.IsCompleted && Interlocked.Exchange(ref _pacerTimerArmed, 1) == 0)
        {
            long delay = Math.Max(TransportSender.MinPacerDelayMicros, pacer.DelayUntilNext(now));
            _pacerTimer ??= _time.CreateTimer(static state => ((TransportSender)state!).TryEnqueue(OutboundItem.PacerTick()), _sender, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _pacerTimer.Change(TimeSpan.FromMicroseconds(delay), Timeout.InfiniteTimeSpan);
        }
    }

    private long NowMicros() => MediaClock.Convert(_time.GetTimestamp(), _time.TimestampFrequency, 1_000_000);

    /// <summary>Sends one forwarded packet; true when its reference passed to the retransmission buffer.</summary>
    private bool SendRtp(in OutboundItem item)
    {
        var packet = item.Packet!;
        int length = packet.Length;
        if (length > TransportSender.ScratchLength - TransportSender.SrtpHeadroom)
        {
            _counters.Drops.Increment(DropReason.TooLarge);
            return false;
        }
        var scratch = SendScratch.Current.AsSpan();
        packet.Span.CopyTo(scratch);
        long receivedAt = packet.ReceivedAt; // read before the reference is handed over
        RtpHeader.SetSequenceNumber(scratch, item.SequenceNumber);
        RtpHeader.SetTimestamp(scratch, item.Timestamp);
        RtpHeader.SetSsrc(scratch, item.Ssrc);
        RtpHeader.SetPayloadType(scratch, item.PayloadType);
        if (item.RewriteVp8)
        {
            RewriteVp8(scratch[..length], item.Vp8PictureId, item.Vp8Tl0PicIdx);
        }
        if (Transport.Diagnostics.PathTraceHooks.Enabled) Transport.Diagnostics.PathTraceHooks.OnSend(scratch[..length], _sender.SentByWorker);
        long sendTime = _time.GetTimestamp();
        _owner.Bandwidth.TryStamp(scratch[..length], MediaClock.Convert(sendTime, _time.TimestampFrequency, 1_000_000));
        // The item's reference becomes the retransmission buffer's (no AddRef here and Release after the send).
        bool kept = item.Stream!.Retransmissions?.Keep(packet, item.SequenceNumber, item.Timestamp, item.PayloadType, sendTime) == true;
        if (_transport.TrySendRtp(scratch, length))
        {
            item.Stream.OnSent(item.Timestamp, item.PayloadLength, sendTime);
            _counters.OnForwarded(length);
            if ((++_line.Forwarded & (TransportSender.ForwardLatencySampling - 1)) == 0 && receivedAt != 0 && !item.Replayed && _counters.Telemetry is { } telemetry)
            {
                telemetry.OnForwardLatency(_time.GetElapsedTime(receivedAt));
            }
        }
        else
        {
            _counters.Drops.Increment(DropReason.NotConnected);
        }
        return kept;
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
        if (length > TransportSender.ScratchLength - TransportSender.SrtpHeadroom)
        {
            _counters.Drops.Increment(DropReason.TooLarge);
            return;
        }
        packet.Span.CopyTo(SendScratch.Current);
        SendRtcp(length);
    }

    private void SendReport()
    {
        int length = _owner.WriteReport(SendScratch.Current.AsSpan(0, TransportSender.ScratchLength - TransportSender.SrtpHeadroom), _time);
        if (length > 0)
        {
            SendRtcp(length);
        }
    }

    private void SendRtcp(int length)
    {
        if (_transport.TrySendRtcp(SendScratch.Current, length))
        {
            _counters.OnRtcpSent();
        }
        else
        {
            _counters.Drops.Increment(DropReason.NotConnected);
        }
    }

    /// <summary>
    /// What the sender writes per packet, alone on a 64-byte cache line (64 bytes of padding before, the rest of
    /// the 128 after), whatever the objects the allocator placed next to this one.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct SenderLine
    {
        [FieldOffset(64)]
        public int Busy;

        [FieldOffset(68)]
        public uint Forwarded;
    }
}
