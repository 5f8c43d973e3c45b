using DigitalWeRoom.Sfu.Media.Feedback;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// Media routing for one room (mediasoup's Router role). Room control creates transports, producers and consumers
/// here; transports' receive loops call <see cref="OnRtp"/>/<see cref="OnRtcp"/>. The RTP path
/// (parse → <see cref="RtpListener"/> → <see cref="Producer"/> → <see cref="Consumer"/>s → <see cref="SubscriberSender"/>)
/// takes no lock and allocates nothing per packet. RTCP is terminated here: periodic SR/RR per transport, PLI/FIR from
/// subscribers relayed to the publisher through a per-producer <see cref="KeyFrameRequestThrottle"/>.
/// </summary>
internal sealed partial class Router : IDisposable, IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Producer> _producersById = new(StringComparer.Ordinal);
    private readonly ITimer? _reportTimer;
    private readonly ITimer? _keyFrameTimer;
    private readonly ITimer? _nackTimer;
    private Producer[] _producers = [];
    private MediaTransport[] _transports = [];
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
        _mediaTimer = Time.CreateTimer(static s => ((Router)s!).OnMediaTick(), this, MediaTickInterval, MediaTickInterval);
        if (Options.NackPublishers && Options.NackTimerInterval > TimeSpan.Zero)
        {
            _nackTimer = Time.CreateTimer(static s => ((Router)s!).SendDueNacks(), this, Options.NackTimerInterval, Options.NackTimerInterval);
        }
    }

    public string Id { get; }

    public RouterOptions Options { get; }

    public TimeProvider Time { get; }

    public PacketPool Pool { get; }

    public MediaCounters Counters { get; } = new();

    /// <summary>Receives rare media measurements (RTT per report, sampled forward latency); null: none. Set once, any thread.</summary>
    public IMediaTelemetry? Telemetry
    {
        get => Volatile.Read(ref _telemetry);
        set => Volatile.Write(ref _telemetry, value);
    }

    private IMediaTelemetry? _telemetry;

    /// <summary>Transport-layer NACKs received from subscribers (same as <see cref="MediaCounters.NacksReceived"/>).</summary>
    public long NacksReceived => Counters.NacksReceived;

    public ReadOnlySpan<MediaTransport> Transports => Volatile.Read(ref _transports);

    public ReadOnlySpan<Producer> Producers => Volatile.Read(ref _producers);

    // ---- room control -------------------------------------------------------------------------------------

    /// <summary>
    /// Registers a participant's transport, sending through <paramref name="sender"/> (its WebRtcTransport, whose
    /// <see cref="WebRtcTransport.Listener"/> the caller then sets to the result). <paramref name="rtcpSsrc"/> 0 picks
    /// a random one. With <see cref="RouterOptions.StartSendLoops"/> its send loop starts now.
    /// </summary>
    public MediaTransport CreateTransport(string id, IRtpPacketSender sender, RtpHeaderExtensionIds extensions = default, uint rtcpSsrc = 0,
        IMediaTransportListener? listener = null)
    {
        if (rtcpSsrc == 0) rtcpSsrc = (uint)Random.Shared.Next(1, int.MaxValue);
        var transport = new MediaTransport(this, id, sender, extensions, rtcpSsrc, listener);
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
                foreach (var layer in options.SimulcastLayers)
                {
                    if (layer != producer) layer.AddConsumer(consumer);
                }
            }
            catch
            {
                subscriber.RemoveConsumer(consumer);
                RemoveFromLayers(consumer);
                throw;
            }
        }
        if (!options.Paused)
        {
            RequestKeyFrame(consumer.KeyFrameSource);
        }
        if (consumer.Simulcast is not null) OnPreferredLayerChanged(consumer);
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
        RemoveFromLayers(consumer);
        consumer.Subscriber.RemoveConsumer(consumer);
        if (consumer.Simulcast is not null) OnPreferredLayerChanged(consumer);
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
        long now = Time.GetTimestamp();
        if (packet.ReceivedAt == 0)
        {
            packet.ReceivedAt = now; // Start of the forward-latency measurement (SubscriberSender samples it).
        }
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
        OnMediaExtensions(from, producer, view, now);
        producer.OnRtp(packet, view, isRtx, now, Time.TimestampFrequency);
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
                        Counters.OnPliReceived();
                        OnKeyFrameRequestFromSubscriber(from, pli.MediaSsrc);
                    }
                    break;
                case RtcpPacketType.PayloadSpecificFeedback when header.Count == (byte)PayloadSpecificFeedbackFormat.FullIntraRequest:
                    // FIR, RFC 5104 §4.3.1: one entry (SSRC, seq nr) per requested source.
                    if (FullIntraRequest.TryParse(p, out var fir, out _))
                    {
                        Counters.OnFirReceived();
                        for (int i = 0; i < fir.EntryCount; i++)
                        {
                            OnKeyFrameRequestFromSubscriber(from, fir.GetEntry(i).Ssrc);
                        }
                    }
                    break;
                case RtcpPacketType.TransportLayerFeedback when header.Count == (byte)TransportLayerFeedbackFormat.TransportWideCc:
                    // Transport-cc feedback from a subscriber: send-side bandwidth estimation.
                    from.Bandwidth.OnTransportFeedback(p, MediaClock.Convert(now, Time.TimestampFrequency, 1_000_000));
                    break;
                case RtcpPacketType.PayloadSpecificFeedback when header.Count == (byte)PayloadSpecificFeedbackFormat.ApplicationLayer:
                    if (ReceiverEstimatedMaxBitrate.TryParse(p, out var remb, out _))
                    {
                        from.Bandwidth.OnRemb(remb.Bitrate, MediaClock.Convert(now, Time.TimestampFrequency, 1_000_000));
                    }
                    break;
                case RtcpPacketType.TransportLayerFeedback when header.Count == (byte)TransportLayerFeedbackFormat.Nack:
                    // Generic NACK, RFC 4585 §6.2.1: the subscriber's send loop owns the stream's retransmission buffer.
                    if (TransportLayerNack.TryParse(p, out var nack, out _))
                    {
                        Counters.OnNackReceived();
                        PostNack(from, nack.MediaSsrc, p);
                    }
                    break;
            }
        }
        if (reader.Error != DropReason.None)
        {
            Counters.Drops.Increment(reader.Error);
        }
    }

    private void PostNack(MediaTransport subscriber, uint mediaSsrc, ReadOnlySpan<byte> nack)
    {
        if (!subscriber.TryFindConsumerByOutputSsrc(mediaSsrc, out var consumer) || consumer.Stream.Retransmissions is null) return;
        if (nack.Length > PooledPacket.Capacity) return;
        var packet = Pool.Rent();
        nack.CopyTo(packet.Buffer);
        packet.Length = nack.Length;
        subscriber.Outbound.TryEnqueue(OutboundRtp.ForNack(packet, consumer.Stream));
    }

    /// <summary>
    /// A reception report block from <paramref name="from"/> about one of our SRs: RTT = now − LSR − DLSR
    /// (RFC 3550 §6.4.1, compact NTP). The same peer publishes on this transport: its producers' NACK retries use it.
    /// </summary>
    private void OnReceptionReport(MediaTransport from, in ReceptionReport block)
    {
        Counters.OnReceptionReport();
        if (from.TryFindConsumerByOutputSsrc(block.Ssrc, out var consumer))
        {
            consumer.Stream.OnReceptionReport(block.FractionLost, block.CumulativeLost);
        }
        if (block.LastSr == 0) return;
        uint nowCompact = (uint)(MediaClock.ToNtp(Time.GetUtcNow()) >> 16);
        uint rtt = nowCompact - block.LastSr - block.DelaySinceLastSr;
        if ((int)rtt <= 0 || rtt > 65536 * 10) return; // Clock oddities: keep the previous value.
        var value = TimeSpan.FromSeconds(rtt / 65536.0);
        Telemetry?.OnRtt(value);
        foreach (var producer in from.Producers)
        {
            producer.Nack?.SetRtt(value);
        }
    }

    /// <summary>Sends the publisher of <paramref name="producer"/> a NACK for its packets due now, if any.</summary>
    internal void SendNack(Producer producer, long now)
    {
        if (producer.Nack is not { } generator || producer.IsClosed || producer.Ssrc == 0) return;
        Span<ushort> due = stackalloc ushort[256];
        int count = generator.CollectDue(now, due);
        if (count == 0) return;
        var packet = Pool.Rent();
        packet.Length = TransportLayerNack.Write(packet.Buffer.AsSpan(0, PooledPacket.MaxDatagramSize - SubscriberSender.SrtpHeadroom), producer.Publisher.RtcpSsrc, producer.Ssrc, due[..count]);
        if (packet.Length == 0)
        {
            packet.Release();
            return;
        }
        if (producer.Publisher.Outbound.TryEnqueue(OutboundRtp.ForRtcp(packet)))
        {
            Counters.OnNackSent();
        }
    }

    /// <summary>NACK timer: retries for missing packets whose round-trip time has passed.</summary>
    internal void SendDueNacks()
    {
        long now = Time.GetTimestamp();
        var producers = Volatile.Read(ref _producers);
        foreach (var producer in producers)
        {
            if (producer.Nack is { MissingCount: > 0 }) SendNack(producer, now);
        }
    }

    private void OnKeyFrameRequestFromSubscriber(MediaTransport subscriber, uint mediaSsrc)
    {
        if (subscriber.TryFindConsumerByOutputSsrc(mediaSsrc, out var consumer))
        {
            RequestKeyFrame(consumer.KeyFrameSource);
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
        _mediaTimer.Dispose();
        _nackTimer?.Dispose();
        foreach (var transport in transports)
        {
            _ = CloseTransport(transport);
        }
    }
}
