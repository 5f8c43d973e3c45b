using DigitalWeRoom.Sfu.Media.Feedback;
using DigitalWeRoom.Sfu.Media.Speech;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// Media routing for one room (mediasoup's Router role): the registry of transports, producers and consumers (room
/// control creates and closes them here) and the RTP ingress (<see cref="OnRtp"/>: parse → <see cref="RtpListener"/>
/// → <see cref="Producer"/> → <see cref="Consumer"/>s → <see cref="TransportSender"/>), which takes no lock and
/// allocates nothing per packet. The rest has its own small type: RTCP termination (<see cref="RtcpTerminator"/>),
/// feedback to publishers (<see cref="PublisherFeedback"/>), the periodic work (<see cref="FeedbackTimers"/>),
/// dynacast (<see cref="Routing.Dynacast"/>) and speaker detection (<see cref="RoomSpeakers"/>).
/// </summary>
public sealed class Router : IDisposable, IAsyncDisposable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Producer> _producersById = new(StringComparer.Ordinal);
    private readonly PublisherFeedback _publishers;
    private readonly FeedbackTimers _timers;
    private Producer[] _producers = [];
    private MediaTransport[] _transports = [];
    private bool _disposed;

    public Router(string id, PacketPool pool, TimeProvider? time = null, RouterOptions? options = null)
    {
        Id = id;
        Pool = pool;
        Time = time ?? TimeProvider.System;
        Options = options ?? new RouterOptions();
        // NACK retries only when publishers are NACKed at all (a zero interval: retries go with new packets).
        _publishers = new PublisherFeedback(this, pool, Counters, Time, Options.NackPublishers ? Options.NackTimerInterval : TimeSpan.Zero);
        Rtcp = new RtcpTerminator(pool, Counters, Time, _publishers);
        _timers = new FeedbackTimers(this, _publishers, Speakers, Options, Time);
    }

    public string Id { get; }

    public RouterOptions Options { get; }

    public TimeProvider Time { get; }

    public PacketPool Pool { get; }

    public MediaCounters Counters { get; } = new();

    /// <summary>Terminates the RTCP each transport receives (its receive loop calls it).</summary>
    public RtcpTerminator Rtcp { get; }

    /// <summary>PLI/NACK/transport-cc/REMB toward publishers.</summary>
    public IPublisherFeedback Publishers => _publishers;

    /// <summary>Which simulcast layers subscribers want, told to the publishers' sessions.</summary>
    public Dynacast Dynacast { get; } = new();

    /// <summary>Dominant speaker detection over the room's audio, evaluated on the media timer.</summary>
    public RoomSpeakers Speakers { get; } = new();

    /// <summary>Receives rare media measurements (<see cref="MediaCounters.Telemetry"/>); null: none.</summary>
    public IMediaTelemetry? Telemetry
    {
        get => Counters.Telemetry;
        set => Counters.Telemetry = value;
    }

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
        // A transport pinned to a send worker is sent by that worker's thread: no loop of its own.
        if (Options.StartSendLoops && transport.Outbound.Worker is null)
        {
            transport.SendLoop = Task.Run(transport.Outbound.RunAsync);
        }
        return transport;
    }

    /// <summary>Adds a track published on <paramref name="publisher"/> (from its negotiated SSRC/MID/RID and codecs).</summary>
    public Producer CreateProducer(MediaTransport publisher, ProducerOptions options)
    {
        var producer = new Producer(publisher, options, Options, Counters, _publishers, Time.TimestampFrequency);
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
        var consumer = new Consumer(producer, subscriber, options, Options, Counters, Time, _publishers, Dynacast);
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
            _publishers.RequestKeyFrame(consumer.KeyFrameSource);
        }
        if (consumer.Simulcast is not null) Dynacast.OnPreferredLayerChanged(consumer);
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
        if (consumer.Simulcast is not null) Dynacast.OnPreferredLayerChanged(consumer);
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
        if (Transport.Diagnostics.PathTraceHooks.Enabled) Transport.Diagnostics.PathTraceHooks.OnRouted(packet.Span);
        long now = Time.GetTimestamp();
        if (packet.ReceivedAt == 0)
        {
            packet.ReceivedAt = now; // Start of the forward-latency measurement (TransportSender samples it).
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

    /// <summary>Receive loop: transport-wide sequence (publisher TWCC feedback) and audio level of one packet.</summary>
    private void OnMediaExtensions(MediaTransport from, Producer producer, in RtpPacketView view, long now)
    {
        if (!view.HasExtension) return;
        var ids = from.Extensions;
        if (from.TransportWideCc is { } recorder
            && view.TryGetExtension(ids.TransportWideSequenceNumber, out var twcc)
            && TransportWideSequenceNumber.TryRead(twcc, out ushort sequence))
        {
            recorder.Record(sequence, MediaClock.Convert(now, Time.TimestampFrequency, 1_000_000));
        }
        if (producer.Speaker is { } speaker && ids.AudioLevel != 0
            && view.TryGetExtension(ids.AudioLevel, out var level)
            && AudioLevel.TryRead(level, out bool voice, out byte dbov))
        {
            speaker.OnAudioLevel(dbov, voice);
        }
    }

    private static void RemoveFromLayers(Consumer consumer)
    {
        if (consumer.Simulcast is not { } simulcast) return;
        foreach (var layer in simulcast.Layers)
        {
            if (layer != consumer.Producer) layer.RemoveConsumer(consumer);
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
        _timers.Dispose();
        _publishers.Dispose();
        foreach (var transport in transports)
        {
            _ = CloseTransport(transport);
        }
    }
}
