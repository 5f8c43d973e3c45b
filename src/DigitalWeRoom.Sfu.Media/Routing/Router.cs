using DigitalWeRoom.Sfu.Media.Feedback;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// Media routing for one room (mediasoup's Router role). Room control creates transports, producers and consumers
/// here; transports' receive loops call <see cref="OnRtp"/>/<see cref="OnRtcp"/>. The RTP path
/// (parse → <see cref="RtpListener"/> → <see cref="Producer"/> → <see cref="Consumer"/>s → <see cref="SubscriberSender"/>)
/// takes no lock and allocates nothing per packet. RTCP is terminated here: periodic SR/RR per transport, PLI/FIR from
/// subscribers relayed to the publisher through a per-producer <see cref="KeyFrameRequestThrottle"/>.
/// </summary>
internal sealed class Router : IDisposable, IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Producer> _producersById = new(StringComparer.Ordinal);
    private readonly ITimer? _reportTimer;
    private readonly ITimer? _keyFrameTimer;
    private Producer[] _producers = [];
    private MediaTransport[] _transports = [];
    private long _nacksReceived;
    private bool _disposed;

    public Router(string id, PacketPool pool, TimeProvider? time = null, RouterOptions? options = null)
    {
        Id = id;
        Pool = pool;
        Time = time ?? TimeProvider.System;
        Options = options ?? new RouterOptions();
        if (Options.RtcpReportInterval > TimeSpan.Zero)
        {
            _reportTimer = Time.CreateTimer(static s => ((Router)s!).SendReports(), this, Options.RtcpReportInterval, Options.RtcpReportInterval);
        }
        if (Options.KeyFrameRequestMinInterval > TimeSpan.Zero)
        {
            _keyFrameTimer = Time.CreateTimer(static s => ((Router)s!).FlushPendingKeyFrameRequests(), this, Options.KeyFrameRequestMinInterval, Options.KeyFrameRequestMinInterval);
        }
    }

    public string Id { get; }

    public RouterOptions Options { get; }

    public TimeProvider Time { get; }

    public PacketPool Pool { get; }

    public MediaCounters Counters { get; } = new();

    /// <summary>Transport-layer NACKs received from subscribers (answered once NACK/RTX lands).</summary>
    public long NacksReceived => Volatile.Read(ref _nacksReceived);

    public ReadOnlySpan<MediaTransport> Transports => Volatile.Read(ref _transports);

    public ReadOnlySpan<Producer> Producers => Volatile.Read(ref _producers);

    // ---- room control -------------------------------------------------------------------------------------

    /// <summary>
    /// Registers a participant's transport. <paramref name="rtcpSsrc"/> 0 picks a random one. With
    /// <see cref="RouterOptions.StartSendLoops"/> its send loop starts now.
    /// </summary>
    public MediaTransport CreateTransport(string id, IRtpPacketSender sender, RtpHeaderExtensionIds extensions = default, uint rtcpSsrc = 0)
    {
        if (rtcpSsrc == 0) rtcpSsrc = (uint)Random.Shared.Next(1, int.MaxValue);
        var transport = new MediaTransport(this, id, sender, extensions, rtcpSsrc);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Volatile.Write(ref _transports, [.. _transports, transport]);
        }
        if (Options.StartSendLoops)
        {
            transport.SendLoop = Task.Run(transport.Outbound.RunAsync);
        }
        return transport;
    }

    /// <summary>Adds a track published on <paramref name="publisher"/> (from its negotiated SSRC/MID/RID and codecs).</summary>
    public Producer CreateProducer(MediaTransport publisher, ProducerOptions options)
    {
        var producer = new Producer(this, publisher, options, Time.TimestampFrequency);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_producersById.TryAdd(options.Id, producer))
            {
                throw new InvalidOperationException($"Producer id {options.Id} already exists.");
            }
            publisher.AddProducer(producer);
            Volatile.Write(ref _producers, [.. _producers, producer]);
        }
        return producer;
    }

    /// <summary>Subscribes <paramref name="subscriber"/> to <paramref name="producer"/>; video asks the publisher for a key frame.</summary>
    public Consumer CreateConsumer(MediaTransport subscriber, Producer producer, ConsumerOptions options)
    {
        var consumer = new Consumer(producer, subscriber, options);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            subscriber.AddConsumer(consumer);
            try
            {
                producer.AddConsumer(consumer);
            }
            catch
            {
                subscriber.RemoveConsumer(consumer);
                throw;
            }
        }
        if (!options.Paused)
        {
            RequestKeyFrame(producer);
        }
        return consumer;
    }

    public bool TryGetProducer(string id, out Producer producer)
    {
        lock (_gate)
        {
            return _producersById.TryGetValue(id, out producer!);
        }
    }

    public void CloseConsumer(Consumer consumer)
    {
        consumer.MarkClosed();
        consumer.Producer.RemoveConsumer(consumer);
        consumer.Subscriber.RemoveConsumer(consumer);
    }

    public void CloseProducer(Producer producer)
    {
        lock (_gate)
        {
            _producersById.Remove(producer.Id);
            Volatile.Write(ref _producers, Array.FindAll(_producers, p => p != producer));
        }
        producer.Publisher.RemoveProducer(producer);
        foreach (var consumer in producer.MarkClosed())
        {
            CloseConsumer(consumer);
        }
    }

    /// <summary>Closes the transport's producers and consumers and ends its send loop (queued packets released).</summary>
    public Task CloseTransport(MediaTransport transport)
    {
        var (producers, consumers) = transport.MarkClosed();
        foreach (var producer in producers) CloseProducer(producer);
        foreach (var consumer in consumers) CloseConsumer(consumer);
        lock (_gate)
        {
            Volatile.Write(ref _transports, Array.FindAll(_transports, t => t != transport));
        }
        transport.Outbound.Complete();
        if (transport.SendLoop is { } loop)
        {
            return loop;
        }
        transport.Outbound.ReleaseRemaining();
        return Task.CompletedTask;
    }

    // ---- data path (receive loops) -------------------------------------------------------------------------

    /// <summary>
    /// A decrypted RTP packet from <paramref name="from"/>'s receive loop. Borrows the packet for the call (the
    /// transport releases its reference afterwards, IWebRtcTransportListener contract); each consumer that forwards
    /// it takes its own reference.
    /// </summary>
    public void OnRtp(MediaTransport from, PooledPacket packet)
    {
        Counters.OnReceived();
        if (!RtpPacketView.TryParse(packet.Span, out var view, out var reason))
        {
            Counters.Drops.Increment(reason);
            return;
        }
        if (!from.Listener.TryResolve(view, out var producer, out bool isRtx))
        {
            Counters.Drops.Increment(DropReason.NoRoute);
            return;
        }
        producer.OnRtp(packet, view, isRtx, Time.GetTimestamp(), Time.TimestampFrequency);
    }

    /// <summary>
    /// A decrypted RTCP compound from <paramref name="from"/>: SRs from its publishers (for LSR/DLSR), PLI/FIR and
    /// NACK from it as a subscriber. Borrows the packet for the call.
    /// </summary>
    public void OnRtcp(MediaTransport from, PooledPacket packet)
    {
        long now = Time.GetTimestamp();
        var reader = new RtcpCompoundReader(packet.Span);
        while (reader.TryReadNext(out var header, out var p))
        {
            switch (header.PacketType)
            {
                case RtcpPacketType.SenderReport:
                    // RFC 3550 §6.4.1: keep its NTP timestamp for LSR/DLSR in our RR.
                    if (SenderReport.TryParse(p, out var sr, out _) && from.TryFindProducerBySsrc(sr.Ssrc, out var producer))
                    {
                        producer.Receiver.OnSenderReport(sr.NtpTimestamp, now);
                    }
                    break;
                case RtcpPacketType.PayloadSpecificFeedback when header.Count == (byte)PayloadSpecificFeedbackFormat.PictureLossIndication:
                    // PLI, RFC 4585 §6.3.1: media source SSRC in the common feedback header.
                    if (PictureLossIndication.TryParse(p, out var pli, out _))
                    {
                        OnKeyFrameRequestFromSubscriber(from, pli.MediaSsrc);
                    }
                    break;
                case RtcpPacketType.PayloadSpecificFeedback when header.Count == (byte)PayloadSpecificFeedbackFormat.FullIntraRequest:
                    // FIR, RFC 5104 §4.3.1: one entry (SSRC, seq nr) per requested source.
                    if (FullIntraRequest.TryParse(p, out var fir, out _))
                    {
                        for (int i = 0; i < fir.EntryCount; i++)
                        {
                            OnKeyFrameRequestFromSubscriber(from, fir.GetEntry(i).Ssrc);
                        }
                    }
                    break;
                case RtcpPacketType.TransportLayerFeedback when header.Count == (byte)TransportLayerFeedbackFormat.Nack:
                    // Generic NACK, RFC 4585 §6.2.1. Seam: post to the subscriber's send loop for retransmission.
                    Interlocked.Increment(ref _nacksReceived);
                    break;
            }
        }
        if (reader.Error != DropReason.None)
        {
            Counters.Drops.Increment(reader.Error);
        }
    }

    private void OnKeyFrameRequestFromSubscriber(MediaTransport subscriber, uint mediaSsrc)
    {
        if (subscriber.TryFindConsumerByOutputSsrc(mediaSsrc, out var consumer))
        {
            RequestKeyFrame(consumer.Producer);
        }
    }

    /// <summary>Asks the publisher of a video producer for a key frame (PLI), at most once per throttle interval.</summary>
    public void RequestKeyFrame(Producer producer)
    {
        // Unbound (no packet yet): nothing to ask for; its first packets start with a key frame anyway.
        if (producer.Kind != MediaKind.Video || producer.IsClosed || producer.Ssrc == 0) return;
        if (!producer.KeyFrameThrottle.TryAcquire(Time.GetTimestamp()))
        {
            Counters.OnKeyFrameRequestThrottled();
            return;
        }
        SendPictureLossIndication(producer);
    }

    private void SendPictureLossIndication(Producer producer)
    {
        var packet = Pool.Rent();
        packet.Length = PictureLossIndication.Write(packet.Buffer, producer.Publisher.RtcpSsrc, producer.Ssrc);
        if (producer.Publisher.Outbound.TryEnqueue(OutboundRtp.ForRtcp(packet)))
        {
            Counters.OnKeyFrameRequestSent();
        }
    }

    // ---- timers --------------------------------------------------------------------------------------------

    /// <summary>Report timer: each transport's send loop builds and sends its SR/RR compound.</summary>
    internal void SendReports()
    {
        var transports = Volatile.Read(ref _transports);
        foreach (var transport in transports)
        {
            transport.Outbound.TryEnqueue(OutboundRtp.ReportTick());
        }
    }

    /// <summary>Key-frame timer: sends requests refused by the throttle earlier, now that the interval has passed.</summary>
    internal void FlushPendingKeyFrameRequests()
    {
        long now = Time.GetTimestamp();
        var producers = Volatile.Read(ref _producers);
        foreach (var producer in producers)
        {
            if (!producer.IsClosed && producer.KeyFrameThrottle.TryAcquirePending(now))
            {
                SendPictureLossIndication(producer);
            }
        }
    }

    /// <summary>
    /// Room P2P↔SFU switch: pauses or resumes every consumer of <paramref name="subscriber"/>. Resuming continues each
    /// stream's seq/timestamp without a gap and asks video publishers for a key frame.
    /// </summary>
    public void SetForwarding(MediaTransport subscriber, bool enabled)
    {
        foreach (var consumer in subscriber.Consumers)
        {
            if (enabled) consumer.Resume();
            else consumer.Pause();
        }
    }

    /// <summary>Closes every transport and waits for their send loops to end (all queued packets released).</summary>
    public async ValueTask DisposeAsync()
    {
        var transports = Volatile.Read(ref _transports);
        Dispose();
        foreach (var transport in transports)
        {
            if (transport.SendLoop is { } loop) await loop.ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        MediaTransport[] transports;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            transports = _transports;
        }
        _reportTimer?.Dispose();
        _keyFrameTimer?.Dispose();
        foreach (var transport in transports)
        {
            _ = CloseTransport(transport);
        }
    }
}
