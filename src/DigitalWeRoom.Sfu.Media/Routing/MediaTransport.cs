using DigitalWeRoom.Sfu.Media.Congestion;
using DigitalWeRoom.Sfu.Media.Feedback;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// The router's side of one participant's transport (one WebRtcTransport): the producers it publishes (with the
/// <see cref="RtpListener"/> that finds them), the consumers it subscribes to, and its single
/// <see cref="SubscriberSender"/>. It is its WebRtcTransport's listener: decrypted RTP/RTCP come straight here (receive
/// loop), state changes go on to the <see cref="IMediaTransportListener"/> above; it sends through the transport.
/// </summary>
internal sealed class MediaTransport : IWebRtcTransportListener
{
    private readonly object _gate = new();
    private readonly RtcpReportBuilder _reports;
    private Producer[] _producers = [];
    private RtpStreamReceiver[] _receivers = [];
    private Consumer[] _consumers = [];
    private RtpStreamSender[] _streams = [];
    private volatile bool _closed;

    private readonly IMediaTransportListener? _listener;

    internal MediaTransport(Router router, string id, IRtpPacketSender sender, RtpHeaderExtensionIds extensions, uint rtcpSsrc, IMediaTransportListener? listener)
    {
        _listener = listener;
        Router = router;
        Id = id;
        Sender = sender;
        RtcpSsrc = rtcpSsrc;
        Listener = new RtpListener(extensions);
        Extensions = extensions;
        TransportWideCc = extensions.TransportWideSequenceNumber != 0 ? new TransportWideCcRecorder() : null;
        UploadEstimate = TransportWideCc is null ? new ReceiveSideEstimator(Router.RembInitialBps, Router.RembMinBps, Router.RembMaxBps) : null;
        Bandwidth = new SubscriberBandwidth(extensions.TransportWideSequenceNumber) { EstimateChanged = AllocateLayers };
        Outbound = new SubscriberSender(this, sender, router.Counters, router.Time, router.Options);
        Bandwidth.ProbeRequested = router.Options.BandwidthProbing ? () => Outbound.TryEnqueue(OutboundRtp.ProbeTick()) : null;
        _reports = new RtcpReportBuilder(rtcpSsrc, router.Options.Cname);
    }

    public string Id { get; }

    public Router Router { get; }

    public IRtpPacketSender Sender { get; }

    /// <summary>SSRC this transport's RTCP (RR, PLI) is sent from when no media stream is sent.</summary>
    public uint RtcpSsrc { get; }

    public RtpListener Listener { get; }

    public RtpHeaderExtensionIds Extensions { get; }

    /// <summary>Arrivals of this participant's packets for transport-cc feedback (null: TWCC not negotiated).</summary>
    public TransportWideCcRecorder? TransportWideCc { get; }

    /// <summary>Without transport-cc, the upload estimate sent to this publisher as REMB (media timer only); else null.</summary>
    internal ReceiveSideEstimator? UploadEstimate { get; }

    /// <summary>Send-side bandwidth estimation toward this participant (TWCC stamping, feedback, REMB).</summary>
    public SubscriberBandwidth Bandwidth { get; }

    public SubscriberSender Outbound { get; }

    /// <summary>The streams this transport sends (send loop: the probe picks an RTX stream from them).</summary>
    internal RtpStreamSender[] Streams => Volatile.Read(ref _streams);

    public bool IsClosed => _closed;

    /// <summary>The running send loop (null when <see cref="RouterOptions.StartSendLoops"/> is off).</summary>
    public Task? SendLoop { get; internal set; }

    public ReadOnlySpan<Producer> Producers => Volatile.Read(ref _producers);

    public ReadOnlySpan<Consumer> Consumers => Volatile.Read(ref _consumers);

    /// <summary>Decrypted RTP (receive loop): borrows the packet for the call.</summary>
    public void OnRtp(PooledPacket decryptedPacket) => Router.OnRtp(this, decryptedPacket);

    /// <summary>Decrypted RTCP (receive loop): borrows the packet for the call.</summary>
    public void OnRtcp(PooledPacket decryptedPacket) => Router.OnRtcp(this, decryptedPacket);

    void IWebRtcTransportListener.OnRtp(WebRtcTransport transport, PooledPacket packet) => Router.OnRtp(this, packet);

    void IWebRtcTransportListener.OnRtcp(WebRtcTransport transport, PooledPacket packet) => Router.OnRtcp(this, packet);

    void IWebRtcTransportListener.OnStateChanged(WebRtcTransport transport, WebRtcTransportState state) =>
        _listener?.OnTransportStateChanged(transport, state);

    internal bool TryFindConsumerByOutputSsrc(uint ssrc, out Consumer consumer)
    {
        var consumers = Volatile.Read(ref _consumers);
        for (int i = 0; i < consumers.Length; i++)
        {
            if (consumers[i].OutputSsrc == ssrc)
            {
                consumer = consumers[i];
                return true;
            }
        }
        consumer = null!;
        return false;
    }

    internal bool TryFindProducerBySsrc(uint ssrc, out Producer producer)
    {
        var producers = Volatile.Read(ref _producers);
        for (int i = 0; i < producers.Length; i++)
        {
            if (producers[i].Ssrc == ssrc)
            {
                producer = producers[i];
                return true;
            }
        }
        producer = null!;
        return false;
    }

    /// <summary>Send loop: builds this transport's periodic SR/RR compound into <paramref name="dest"/>.</summary>
    internal int WriteReport(Span<byte> dest, TimeProvider time)
    {
        long now = time.GetTimestamp();
        return _reports.Write(dest, Volatile.Read(ref _streams), Volatile.Read(ref _receivers), now, time.TimestampFrequency, time.GetUtcNow());
    }

    internal void AddProducer(Producer producer)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            Volatile.Write(ref _producers, [.. _producers, producer]);
            Volatile.Write(ref _receivers, [.. _receivers, producer.Receiver]);
            Listener.Add(producer);
        }
    }

    internal void RemoveProducer(Producer producer)
    {
        lock (_gate)
        {
            Listener.Remove(producer);
            Volatile.Write(ref _producers, Array.FindAll(_producers, p => p != producer));
            Volatile.Write(ref _receivers, Array.FindAll(_receivers, r => r != producer.Receiver));
        }
    }

    internal void AddConsumer(Consumer consumer)
    {
        lock (_gate)
        {
            ThrowIfClosed();
            Volatile.Write(ref _consumers, [.. _consumers, consumer]);
            Volatile.Write(ref _streams, [.. _streams, consumer.Stream]);
        }
    }

    internal void RemoveConsumer(Consumer consumer)
    {
        lock (_gate)
        {
            Volatile.Write(ref _consumers, Array.FindAll(_consumers, c => c != consumer));
            Volatile.Write(ref _streams, Array.FindAll(_streams, s => s != consumer.Stream));
        }
    }

    internal (Producer[] Producers, Consumer[] Consumers) MarkClosed()
    {
        lock (_gate)
        {
            _closed = true;
            return (_producers, _consumers);
        }
    }

    /// <summary>Pause/resume for bandwidth of this subscriber's videos (counts pauses and resumes).</summary>
    public BandwidthPauser Pauser { get; } = new();

    /// <summary>
    /// Receive loop (feedback): split <paramref name="estimateBps"/> across this subscriber's consumers with the
    /// <see cref="LayerAllocator"/>, cap each simulcast consumer's layer accordingly, and pause (or resume, one at a
    /// time) the videos whose lowest layer does not fit (<see cref="BandwidthPauser"/>); audio is never paused.
    /// Allocates only when the consumer set outgrew the scratch arrays (and one small array per simulcast consumer
    /// for its measured bitrates).
    /// </summary>
    internal void AllocateLayers(double estimateBps)
    {
        lock (_allocationGate)
        {
            AllocateLocked(estimateBps);
        }
    }

    private void AllocateLocked(double estimateBps)
    {
        var consumers = Volatile.Read(ref _consumers);
        if (_demands.Length < consumers.Length)
        {
            int size = consumers.Length * 2;
            _demands = new TrackDemand[size];
            _layers = new int[size];
            _order = new int[size];
            _current = new int[size];
            _paused = new bool[size];
            _pausedSince = new long[size];
        }
        string? speaker = Router.ActiveSpeakerTransportId;
        long now = Router.Time.GetTimestamp();
        long frequency = Router.Time.TimestampFrequency;
        for (int i = 0; i < consumers.Length; i++)
        {
            var c = consumers[i];
            bool audio = c.Kind == MediaKind.Audio;
            var simulcast = c.Simulcast;
            int layerCount = simulcast?.Layers.Length ?? 1;
            int max = c.IsPaused || c.IsClosed || (!audio && IsSilent(c, now, frequency)) ? -1
                : simulcast is null ? 0 : Math.Min(simulcast.PreferredLayer, layerCount - 1);
            double[] bitrates = audio ? AudioBitrates : LayerBitrates[Math.Min(layerCount, LayerBitrates.Length) - 1];
            var single = c.Producer;
            if (double.IsFinite(estimateBps))
            {
                bitrates = simulcast is not null
                    ? MeasuredBitrates(simulcast.Layers, bitrates, now, frequency)
                    : MeasuredBitrates(new ReadOnlySpan<Producer>(in single), bitrates, now, frequency);
            }
            _demands[i] = new TrackDemand(audio, c.Producer.Publisher.Id == speaker, c.TileArea, bitrates, max)
            {
                IsPinned = c.IsPinned,
                IsBandwidthPaused = c.IsBandwidthPaused,
            };
            _current[i] = simulcast?.BandwidthLayer ?? int.MaxValue;
            _pausedSince[i] = c.BandwidthPausedSince;
        }
        var demands = _demands.AsSpan(0, consumers.Length);
        LayerAllocator.Allocate(estimateBps, demands, _layers, _order, out int videos);
        if (!Router.Options.PauseVideoForBandwidth)
        {
            for (int i = 0; i < consumers.Length; i++) _paused[i] = false;
        }
        bool pauses = Router.Options.PauseVideoForBandwidth && Pauser.Apply(
            estimateBps, demands, _layers.AsSpan(0, consumers.Length), _order.AsSpan(0, videos), _current.AsSpan(0, consumers.Length),
            _paused.AsSpan(0, consumers.Length), _pausedSince.AsSpan(0, consumers.Length), MediaClock.Convert(now, frequency, 1_000_000));
        Bandwidth.WantedBps = NextStepBitrate(demands, _layers.AsSpan(0, consumers.Length), _order.AsSpan(0, videos));
        for (int i = 0; i < consumers.Length; i++)
        {
            var c = consumers[i];
            if (demands[i].IsAudio) continue;
            c.BandwidthPausedSince = _pausedSince[i];
            if (c.IsBandwidthPaused != _paused[i] && !c.IsClosed)
            {
                c.SetBandwidthPaused(_paused[i]);
                Router.Counters.OnBandwidthPause(_paused[i]);
            }
            // Unwanted (-1 from MaxLayer) and paused videos keep a lowest-layer cap: what they get when they come back.
            int layer = Math.Max(0, _layers[i]);
            if (c.Simulcast is { } s && s.BandwidthLayer != layer)
            {
                int before = s.TargetLayer;
                s.BandwidthLayer = layer;
                // Dynacast follows what is actually forwarded: the publisher must keep encoding the capped layer.
                if (s.TargetLayer != before && !c.IsClosed) Router.OnPreferredLayerChanged(c);
            }
        }
        if (pauses) _listener?.OnBandwidthPausesChanged(this);
    }

    /// <summary>
    /// What probing tries to make room for: the allocation as decided (<paramref name="layers"/>, -1 = paused or
    /// unwanted) plus one step of the highest-priority video that wants more (a paused one's lowest layer with the
    /// resume margin, or the next layer). Probing towards the next step rather than everything wanted keeps a probe
    /// that a token bucket's burst lets through at line rate from lifting the estimate far above the link. 0 when
    /// nothing wants more.
    /// </summary>
    private static double NextStepBitrate(ReadOnlySpan<TrackDemand> demands, ReadOnlySpan<int> layers, ReadOnlySpan<int> order)
    {
        double allocated = 0;
        for (int i = 0; i < demands.Length; i++)
        {
            if (layers[i] >= 0) allocated += demands[i].LayerBitrates[Math.Min(layers[i], demands[i].LayerBitrates.Length - 1)];
        }
        foreach (int i in order)
        {
            var d = demands[i];
            int layer = layers[i];
            if (d.MaxLayer < 0 || layer >= Math.Min(d.MaxLayer, d.LayerBitrates.Length - 1)) continue;
            double current = layer >= 0 ? d.LayerBitrates[layer] : 0;
            double next = layer >= 0 ? d.LayerBitrates[layer + 1] : d.LayerBitrates[0] * LayerAllocator.ResumeMargin;
            return allocated - current + next;
        }
        return 0;
    }

    /// <summary>
    /// Per-layer bitrates of a video's layers (a simulcast consumer's, or the one stream) as measured on the publisher side (a layer not flowing, or
    /// just started, counts at its nominal rate), non-decreasing. Allocates one small array per video consumer per
    /// allocation (a few per second).
    /// </summary>
    private static double[] MeasuredBitrates(ReadOnlySpan<Producer> layers, double[] nominal, long now, long frequency)
    {
        var result = new double[layers.Length];
        for (int l = 0; l < layers.Length; l++)
        {
            double measured = layers[l].Bitrate.Sample(layers[l].Receiver.OctetsReceived, now, frequency);
            double fallback = nominal[Math.Min(l, nominal.Length - 1)];
            result[l] = measured > Math.Min(MinMeasuredBps, fallback / 4) ? measured : fallback;
            if (l > 0) result[l] = Math.Max(result[l], result[l - 1]);
        }
        return result;
    }

    private const double MinMeasuredBps = 20_000;

    /// <summary>A video whose publisher sent nothing for this long (an unused screen slot, a stopped camera) costs nothing and is not paused.</summary>
    private const int SilentVideoSeconds = 2;

    private static bool IsSilent(Consumer consumer, long now, long frequency)
    {
        var single = consumer.Producer;
        var layers = consumer.Simulcast is { } s ? s.Layers : new ReadOnlySpan<Producer>(in single);
        foreach (var layer in layers)
        {
            long last = layer.LastPacketAt;
            if (last != 0 && now - last < SilentVideoSeconds * frequency) return false;
        }
        return true;
    }

    // Nominal bitrates per layer count (lowest first) until measured per-layer rates are wired in.
    private static readonly double[] AudioBitrates = [50_000];
    private static readonly double[][] LayerBitrates = [[1_000_000], [300_000, 1_200_000], [100_000, 500_000, 1_500_000]];
    private readonly object _allocationGate = new();
    private TrackDemand[] _demands = [];
    private int[] _layers = [];
    private int[] _order = [];
    private int[] _current = [];
    private bool[] _paused = [];
    private long[] _pausedSince = [];

    private void ThrowIfClosed()
    {
        if (_closed) throw new InvalidOperationException($"Transport {Id} is closed.");
    }
}
