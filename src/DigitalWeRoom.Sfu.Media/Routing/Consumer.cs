using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// One subscriber's copy of a producer. Forwarding state (rewriter, key-frame wait) belongs to the publisher's
/// receive loop; <see cref="Stream"/> belongs to the subscriber's send loop. Pause/Resume come from room control and
/// only flip flags the receive loop reads. After a resume (and at start) a video consumer whose codec allows it waits
/// for a key frame and asks for one, and the rewriter continues seq/timestamp without a gap.
/// </summary>
public sealed class Consumer : IKeyFrameCacheTarget
{
    /// <summary>While waiting for a key frame, the request is repeated this often (seconds).</summary>
    private const int KeyFrameRetrySeconds = 1;

    /// <summary>Simulcast start: how long a key frame still arriving in a wanted layer is waited for (ms).</summary>
    private const int ArrivingKeyFrameWaitMilliseconds = 500;

    private readonly SequenceRewriter _rewriter;
    private readonly byte[] _payloadTypeFrom;
    private readonly byte[] _payloadTypeTo;
    private readonly bool _gateOnKeyFrames;
    private readonly SimulcastLayerSelector? _simulcast;
    private readonly MediaCounters _counters;
    private readonly IPublisherFeedback _publishers;
    private readonly ILayerDemandListener _dynacast;
    private volatile bool _paused;
    private volatile bool _bandwidthPaused;
    private volatile bool _pinned;
    private volatile bool _closed;
    private int _resyncRequested = 1;
    private bool _waitingForKeyFrame;
    private long _waitingSince;
    private bool _cacheTried;
    private long _replayNow;
    private long _replayFrequency;
    private Producer? _replaySource;
    private long _enqueued;
    private long _firstEnqueuedAt;
    private long _skippedWaitingForKeyFrame;

    internal Consumer(Producer producer, MediaTransport subscriber, ConsumerOptions options, RouterOptions routerOptions, MediaCounters counters,
        TimeProvider time, IPublisherFeedback publishers, ILayerDemandListener dynacast)
    {
        _counters = counters;
        _publishers = publishers;
        _dynacast = dynacast;
        Id = options.Id;
        Producer = producer;
        Subscriber = subscriber;
        OutputSsrc = options.OutputSsrc;
        Stream = NewStream(producer, options, routerOptions, time.TimestampFrequency);
        _rewriter = new SequenceRewriter(producer.ClockRate);
        _gateOnKeyFrames = producer.CanGateOnKeyFrames;
        _paused = options.Paused;
        _payloadTypeFrom = [.. options.PayloadTypeMap.Select(m => m.Publisher)];
        _payloadTypeTo = [.. options.PayloadTypeMap.Select(m => m.Subscriber)];
        if (options.SimulcastLayers.Count > 0)
        {
            _simulcast = new SimulcastLayerSelector([.. options.SimulcastLayers], options.PreferredLayer);
        }
    }

    /// <summary>Layer selection of a simulcast consumer; null for a single-stream consumer.</summary>
    public SimulcastLayerSelector? Simulcast => _simulcast;

    /// <summary>Pixels of the tile the page shows this video in (from <see cref="SetPreferredSize"/>); bandwidth allocation order.</summary>
    public int TileArea { get; private set; }

    /// <summary>Where this consumer's key frames come from (the forwarded simulcast layer).</summary>
    public Producer KeyFrameSource => _simulcast?.KeyFrameSource ?? Producer;

    /// <summary>Room control: the page's preferred layer index for this video (switches on the next key frame); -1 pauses all layers.</summary>
    public void SetPreferredLayer(int layer)
    {
        if (_simulcast is null || _simulcast.PreferredLayer == layer) return;
        _simulcast.PreferredLayer = layer;
        TileArea = Math.Max(TileArea, 1);
        _dynacast.OnPreferredLayerChanged(this);
    }

    /// <summary>Room control: the tile is at most this big; picks the lowest layer at least that size (top if sizes are unknown).</summary>
    public void SetPreferredSize(int maxWidth, int maxHeight)
    {
        if (_simulcast is null) return;
        TileArea = Math.Max(1, maxWidth) * Math.Max(1, maxHeight);
        Volatile.Write(ref _tileSize, ((long)Math.Max(1, maxWidth) << 32) | (uint)Math.Max(1, maxHeight));
        SetPreferredLayer(LayerForSize(_simulcast.Layers, maxWidth, maxHeight));
    }

    private long _tileSize; // width << 32 | height from SetPreferredSize; 0 until the page reported one

    /// <summary>
    /// Publisher's receive loop: one of the layers learned its real frame size (its first key frame, or a new size).
    /// A tile reported before that was judged by assumed sizes; judge it again by the real ones.
    /// </summary>
    internal void OnLayerSizeChanged()
    {
        long tile = Volatile.Read(ref _tileSize);
        if (_simulcast is null || tile == 0) return;
        SetPreferredLayer(LayerForSize(_simulcast.Layers, (int)(tile >> 32), (int)(tile & 0xFFFF_FFFF)));
    }

    /// <summary>
    /// The lowest layer at least <paramref name="maxWidth"/> x <paramref name="maxHeight"/> (the top if none is, or sizes
    /// are unknown). A layer that has not sent a key frame yet (paused by dynacast) is sized from the highest layer
    /// that has, doubling per step up (RFC 8853 encodings here are scaled by 2 per layer); else its nominal size.
    /// </summary>
    public static int LayerForSize(ReadOnlySpan<Producer> layers, int maxWidth, int maxHeight)
    {
        int known = -1;
        for (int i = layers.Length - 1; i >= 0; i--)
        {
            if (layers[i].HasFrameSize)
            {
                known = i;
                break;
            }
        }
        for (int i = 0; i < layers.Length; i++)
        {
            int width = layers[i].Width, height = layers[i].Height;
            if (known >= 0 && !layers[i].HasFrameSize)
            {
                int shift = i - known;
                width = shift >= 0 ? layers[known].Width << shift : layers[known].Width >> -shift;
                height = shift >= 0 ? layers[known].Height << shift : layers[known].Height >> -shift;
            }
            if (width <= 0 || height <= 0) break;
            if (width >= maxWidth && height >= maxHeight) return i;
        }
        return layers.Length - 1;
    }

    public string Id { get; }

    public Producer Producer { get; }

    public MediaTransport Subscriber { get; }

    public uint OutputSsrc { get; }

    public RtpStreamSender Stream { get; }

    public bool IsPaused => _paused;

    /// <summary>
    /// Paused by the subscriber's bandwidth allocation (<c>Congestion.BandwidthPauser</c>): its lowest layer does not
    /// fit the estimate. Independent of <see cref="IsPaused"/> (room control); either stops forwarding.
    /// </summary>
    public bool IsBandwidthPaused => _bandwidthPaused;

    /// <summary>When the bandwidth pause began (microseconds of the router's clock).</summary>
    internal long BandwidthPausedSince { get; set; }

    /// <summary>Room control: the subscriber pinned this video (bandwidth allocation serves it after the active speaker).</summary>
    public bool IsPinned
    {
        get => _pinned;
        set => _pinned = value;
    }

    public bool IsClosed => _closed;

    public MediaKind Kind => Producer.Kind;

    /// <summary>Packets handed to the subscriber's queue.</summary>
    public long PacketsEnqueued => Volatile.Read(ref _enqueued);

    /// <summary>Router-clock timestamp of the first packet queued to the subscriber (0 = none yet; first-frame timeline).</summary>
    public long FirstEnqueuedAt => Volatile.Read(ref _firstEnqueuedAt);

    public long PacketsSkippedWaitingForKeyFrame => Volatile.Read(ref _skippedWaitingForKeyFrame);

    /// <summary>Stop forwarding (room control). Packets already queued still go out.</summary>
    public void Pause()
    {
        if (_paused) return;
        _paused = true;
        if (_simulcast is not null && !_closed) _dynacast.OnPreferredLayerChanged(this);
    }

    /// <summary>Resume forwarding: continuous seq/ts, and (video) a key frame is requested and waited for.</summary>
    public void Resume()
    {
        if (!_paused || _closed) return;
        Volatile.Write(ref _resyncRequested, 1);
        _paused = false;
        if (_simulcast is not null) _dynacast.OnPreferredLayerChanged(this);
        if (_gateOnKeyFrames) _publishers.RequestKeyFrame(KeyFrameSource);
    }

    /// <summary>
    /// Subscriber's receive loop (allocation): stop or restart forwarding for bandwidth. A restart resyncs like
    /// <see cref="Resume"/> (continuous seq/ts, key frame requested, key-frame cache replayed).
    /// </summary>
    internal void SetBandwidthPaused(bool paused)
    {
        if (_bandwidthPaused == paused || _closed) return;
        if (!paused) Volatile.Write(ref _resyncRequested, 1);
        _bandwidthPaused = paused;
        if (!paused && !_paused && _gateOnKeyFrames) _publishers.RequestKeyFrame(KeyFrameSource);
    }

    internal void MarkClosed()
    {
        _closed = true;
        Stream.Retransmissions?.Close();
    }

    /// <summary>
    /// Receive loop, once per resync: sends the producer's cached key frame (and the frames after it) ahead of the
    /// live packet <paramref name="liveSeq"/>, through the rewriter, so seq/timestamps run on continuously. True when
    /// the cached run reaches up to the live packet (forward it); otherwise the next run starts at a key frame.
    /// </summary>
    private bool TryStartFromKeyFrameCache(Producer source, ushort liveSeq, long now, long frequency)
    {
        // Not yet complete (a key frame still arriving, or one lost and awaiting repair), or a late packet: try
        // again on the next one.
        if (_cacheTried || source.KeyFrameCache is not { } cache || !cache.CanReplayBefore(liveSeq)) return false;
        _cacheTried = true;
        _replayNow = now;
        _replayFrequency = frequency;
        _replaySource = source;
        // Simulcast: a stale run gives only its key frame (a picture at once); frames up to 1.5 s old sent in one
        // burst on every resume (last-N, pages scrolling) would load the subscriber's link for nothing.
        if (!cache.TryReplay(this, liveSeq, out bool continuesInto, keyFrameOnlyIfStale: _simulcast is not null)) return false;
        _counters.OnKeyFrameCacheReplay();
        if (continuesInto) return true;
        // Whole frames were sent but the live stream does not continue them: resume at the next key frame.
        _rewriter.RequestResync();
        return false;
    }

    /// <summary>
    /// Simulcast, before the first key frame: when <paramref name="layer"/> is the layer to start from the cache
    /// (<see cref="SimulcastLayerSelector.CacheStartLayer"/>), makes it the current layer and replays its cached run
    /// ahead of this live packet of it. True when the live stream continues the run (forward this packet); after a
    /// run that does not reach it the selector starts again on the next key frame of any layer up to the target.
    /// </summary>
    private bool TryStartLayerFromKeyFrameCache(SimulcastLayerSelector simulcast, int layer, ushort liveSeq, long now, long frequency)
    {
        if (_cacheTried || layer < 0) return false;
        bool waitForArriving = now - _waitingSince < frequency * ArrivingKeyFrameWaitMilliseconds / 1000;
        if (simulcast.CacheStartLayer(now, frequency, waitForArriving) != layer) return false;
        if (simulcast.Layers[layer].KeyFrameCache is not { } cache || !cache.CanReplayBefore(liveSeq)) return false;
        // The selector's layer and VP8 picture-id resync must be in place before the replayed packets are mapped.
        simulcast.StartOn(layer);
        if (TryStartFromKeyFrameCache(simulcast.Layers[layer], liveSeq, now, frequency)) return true;
        simulcast.Reset();
        return false;
    }

    void IKeyFrameCacheTarget.OnCachedPacket(in CachedPacket cached)
    {
        bool rewriteVp8 = false;
        ushort pictureId = 0;
        byte tl0PicIdx = 0;
        if (_simulcast is { } simulcast && _replaySource is { } source && RtpPacketView.TryParse(cached.Packet.Span, out var view, out _))
        {
            // Same filtering and VP8 mapping as live packets of the layer, so the live run continues the replayed one.
            var codec = source.CodecOf(view.PayloadType);
            if (simulcast.DropForLayerLimits(codec, view.Payload)) return;
            rewriteVp8 = codec == CodecKind.Vp8 && simulcast.TryMapVp8(view.Payload, out pictureId, out tl0PicIdx);
        }
        if (!_rewriter.TryRewrite(cached.SequenceNumber, cached.Timestamp, _replayNow, _replayFrequency, out ushort seq, out uint timestamp))
        {
            return;
        }
        if (_simulcast is not null) seq -= _simulcast.SequenceAdjust;
        cached.Packet.AddRef();
        var item = OutboundItem.ForReplayedRtp(cached.Packet, Stream, seq, timestamp, MapPayloadType(cached.PayloadType), cached.PayloadLength, rewriteVp8, pictureId, tl0PicIdx);
        if (Subscriber.Outbound.TryEnqueue(item) && Interlocked.Increment(ref _enqueued) == 1)
        {
            Volatile.Write(ref _firstEnqueuedAt, _replayNow);
        }
    }

    private static RtpStreamSender NewStream(Producer producer, ConsumerOptions options, RouterOptions router, long timestampFrequency)
    {
        return new RtpStreamSender(options.OutputSsrc, producer.ClockRate)
        {
            Retransmissions = options.Nack && RetransmissionPackets(producer.Kind, router) is > 0 and var packets
                ? new RetransmissionBuffer(packets, router.RetransmissionMaxAge, router.RetransmissionMinInterval, timestampFrequency)
                : null,
            RtxSsrc = options.RtxSsrc,
            IsAudio = producer.Kind == MediaKind.Audio,
            RtxPayloadTypes = [.. options.RtxPayloadTypes],
        };
    }

    /// <summary>
    /// Audio sends one packet per 20 ms frame: 64 slots hold more than the 1 s a packet is kept
    /// (<see cref="RouterOptions.RetransmissionMaxAge"/>), where video's 512 would be 14 KB of empty slots per listener.
    /// </summary>
    private static int RetransmissionPackets(MediaKind kind, RouterOptions router) =>
        kind == MediaKind.Audio ? Math.Min(router.RetransmissionBufferPackets, router.AudioRetransmissionBufferPackets) : router.RetransmissionBufferPackets;

    private byte MapPayloadType(byte payloadType)
    {
        var from = _payloadTypeFrom;
        for (int i = 0; i < from.Length; i++)
        {
            if (from[i] == payloadType) return _payloadTypeTo[i];
        }
        return payloadType;
    }

    /// <summary>
    /// Publisher's receive loop. True when it used one of the references the caller took on <paramref name="packet"/>
    /// for its consumers (the packet went to the subscriber's sender, which releases it, also when that refused it);
    /// false: not forwarded, the reference is still the caller's.
    /// </summary>
    internal bool TryForward(PooledPacket packet, in RtpPacketView view, bool isKeyFrame, long now, long frequency)
    {
        if (_paused || _bandwidthPaused || _closed) return false;
        if (_resyncRequested != 0 && Interlocked.Exchange(ref _resyncRequested, 0) != 0)
        {
            _rewriter.RequestResync();
            _waitingForKeyFrame = _gateOnKeyFrames && _simulcast is null;
            _simulcast?.Reset();
            _waitingSince = now;
            _cacheTried = false;
        }
        var simulcast = _simulcast;
        if (simulcast is not null)
        {
            int layer = simulcast.LayerOf(view.Ssrc);
            if (simulcast.CurrentLayer >= 0 || isKeyFrame || !_gateOnKeyFrames
                || !TryStartLayerFromKeyFrameCache(simulcast, layer, view.SequenceNumber, now, frequency))
            {
                bool wasSilent = simulcast.TargetSilent;
                var decision = simulcast.OnPacket(layer, isKeyFrame, now, frequency, out var requestFrom);
                if (requestFrom is not null) _publishers.RequestKeyFrame(requestFrom);
                if (simulcast.TargetSilent != wasSilent) _dynacast.OnPreferredLayerChanged(this); // dynacast fallback
                if (decision == LayerDecision.Drop) return false;
                if (decision == LayerDecision.ForwardSwitched) _rewriter.RequestResync();
            }
        }
        if (_waitingForKeyFrame)
        {
            if (!isKeyFrame && TryStartFromKeyFrameCache(Producer, view.SequenceNumber, now, frequency))
            {
                _waitingForKeyFrame = false;
            }
            else if (!isKeyFrame)
            {
                Interlocked.Increment(ref _skippedWaitingForKeyFrame);
                // The PLI (or the key frame) may have been lost: ask again while still waiting.
                if (now - _waitingSince >= frequency * KeyFrameRetrySeconds)
                {
                    _waitingSince = now;
                    _publishers.RequestKeyFrame(Producer);
                }
                return false;
            }
            else
            {
                _waitingForKeyFrame = false;
            }
        }
        bool rewriteVp8 = false;
        ushort pictureId = 0;
        byte tl0PicIdx = 0;
        if (simulcast is not null)
        {
            var codec = Producer.CodecOf(view.PayloadType);
            if (simulcast.DropForLayerLimits(codec, view.Payload)) return false;
            rewriteVp8 = codec == CodecKind.Vp8 && simulcast.TryMapVp8(view.Payload, out pictureId, out tl0PicIdx);
        }
        if (!_rewriter.TryRewrite(view.SequenceNumber, view.Timestamp, now, frequency, out ushort seq, out uint timestamp))
        {
            return false;
        }
        if (simulcast is not null) seq -= simulcast.SequenceAdjust;
        // One of the references the fan-out took for its consumers goes with the item (released there if not queued).
        if (Subscriber.Outbound.TryEnqueue(OutboundItem.ForRtp(packet, Stream, seq, timestamp, MapPayloadType(view.PayloadType), view.Payload.Length, rewriteVp8, pictureId, tl0PicIdx))
            && Interlocked.Increment(ref _enqueued) == 1) // else TryEnqueue released the reference and counted the drop
        {
            Volatile.Write(ref _firstEnqueuedAt, now);
        }
        return true;
    }
}
