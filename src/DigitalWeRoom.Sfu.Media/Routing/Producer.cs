using DigitalWeRoom.Sfu.Media.Feedback;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// One published track (one RTP stream) of a publishing transport. Receives its packets on the publisher's receive
/// loop, keeps reception statistics, detects key frames and fans each packet out to its consumers. The consumer list
/// is an immutable array replaced on subscribe/unsubscribe (copy-on-write), so fan-out takes no lock.
/// </summary>
public sealed class Producer
{
    private readonly object _gate = new();
    private readonly RtpCodec[] _codecs;
    private readonly CodecKind[] _codecKinds;
    private readonly (byte Rtx, byte Apt)[] _rtxPayloadTypes;
    private readonly MediaCounters _counters;
    private readonly IPublisherFeedback _feedback;
    private Consumer[] _consumers = [];
    private long _rtxIgnored;
    private volatile bool _closed;

    internal Producer(MediaTransport publisher, ProducerOptions options, RouterOptions o, MediaCounters counters, IPublisherFeedback feedback, long timestampFrequency)
    {
        _counters = counters;
        _feedback = feedback;
        Publisher = publisher;
        Id = options.Id;
        Kind = options.Kind;
        Ssrc = options.Ssrc;
        RtxSsrc = options.RtxSsrc;
        Mid = options.Mid;
        Rid = options.Rid;
        _nominalWidth = options.Width;
        _nominalHeight = options.Height;
        MidBytes = RtpListener.ToBytes(options.Mid);
        RidBytes = RtpListener.ToBytes(options.Rid);
        _codecs = [.. options.Codecs];
        if (_codecs.Length == 0) throw new ArgumentException("A producer needs at least one codec.", nameof(options));
        _codecKinds = Array.ConvertAll(_codecs, c => KeyFrameDetector.FromMimeType(c.MimeType));
        ClockRate = _codecs[0].ClockRate;
        Receiver = new RtpStreamReceiver(options.Ssrc, ClockRate);
        KeyFrameThrottle = new KeyFrameRequestThrottle(o.KeyFrameRequestMinInterval, timestampFrequency);
        _rtxPayloadTypes = [.. options.RtxPayloadTypes];
        if (o.NackPublishers && (Kind == MediaKind.Video || o.NackAudio))
        {
            Nack = new NackGenerator(o.NackMaxMissing, o.NackMaxRetries, o.NackDefaultRtt, timestampFrequency, o.NackMaxReorderDelay);
        }
        if (o.KeyFrameCacheEnabled && CanGateOnKeyFrames)
        {
            KeyFrameCache = new KeyFrameCache(o.KeyFrameCacheMaxPackets, o.KeyFrameCacheMaxDuration, ClockRate);
        }
    }

    public string Id { get; }

    /// <summary>Measured bitrate of this stream (simulcast layer), sampled by subscribers' layer allocation.</summary>
    public Congestion.BitrateMeter Bitrate { get; } = new();

    public MediaKind Kind { get; }

    /// <summary>Media SSRC; 0 until bound when it was not signaled.</summary>
    public uint Ssrc { get; private set; }

    public uint RtxSsrc { get; }

    public string? Mid { get; }

    public string? Rid { get; }

    public int ClockRate { get; }

    private readonly int _nominalWidth;
    private readonly int _nominalHeight;
    private int _frameSize; // width << 16 | height of the last VP8 key frame; 0 until one

    /// <summary>Frame size of this encoding: from its last VP8 key frame, else the nominal size (0: unknown).</summary>
    public int Width => Volatile.Read(ref _frameSize) is var s and not 0 ? s >>> 16 : _nominalWidth;

    public int Height => Volatile.Read(ref _frameSize) is var s and not 0 ? s & 0xFFFF : _nominalHeight;

    /// <summary>True once a key frame told the real frame size.</summary>
    public bool HasFrameSize => Volatile.Read(ref _frameSize) != 0;

    /// <summary>Audio: where this track's RFC 6464 levels go for dominant speaker detection (room control sets it).</summary>
    public Speech.SpeakerActivity? Speaker { get; set; }

    /// <summary>The transport this track arrives on (PLI and RR go back through it).</summary>
    public MediaTransport Publisher { get; }

    public RtpStreamReceiver Receiver { get; }

    public KeyFrameRequestThrottle KeyFrameThrottle { get; }

    /// <summary>Gap detection and NACK timing toward the publisher; null when NACKs are not sent for this track.</summary>
    public NackGenerator? Nack { get; }

    /// <summary>Latest key frame and the frames after it, for new consumers; null when disabled or not video.</summary>
    public KeyFrameCache? KeyFrameCache { get; }

    public bool IsClosed => _closed;

    /// <summary>Muted by the operator: packets are dropped before any consumer sees them (set from the room loop).</summary>
    public bool Paused
    {
        get => Volatile.Read(ref _paused);
        set => Volatile.Write(ref _paused, value);
    }

    private bool _paused;
    private long _lastPacketAt;

    /// <summary>Router timestamp of the last packet delivered (0: none yet); simulcast consumers skip a silent layer.</summary>
    public long LastPacketAt => Volatile.Read(ref _lastPacketAt);

    /// <summary>Key frames seen (first packet of each).</summary>
    public long KeyFrames { get; private set; }

    public long RtxPacketsIgnored => Volatile.Read(ref _rtxIgnored);

    public ReadOnlySpan<Consumer> Consumers => Volatile.Read(ref _consumers);

    internal byte[] MidBytes { get; }

    internal byte[] RidBytes { get; }

    internal void BindSsrc(uint ssrc)
    {
        Ssrc = ssrc;
        Receiver.Ssrc = ssrc;
    }

    /// <summary>Receive loop: account the packet and hand it to every consumer. The caller keeps its reference.</summary>
    internal void OnRtp(PooledPacket packet, in RtpPacketView view, bool isRtx, long now, long frequency)
    {
        if (Paused)
        {
            return;
        }

        if (isRtx)
        {
            // RTX (RFC 4588 §4): a repair (decapsulated into the media stream) or a padding probe (ignored).
            if (!TryDecapsulateRtx(packet, view))
            {
                Interlocked.Increment(ref _rtxIgnored);
                return;
            }
            _counters.OnRtxRepaired();
            if (!RtpPacketView.TryParse(packet.Span, out var repaired, out _)) return;
            Deliver(packet, repaired, now, frequency, isRepair: true);
            return;
        }
        Deliver(packet, view, now, frequency, isRepair: false);
    }

    private void Deliver(PooledPacket packet, in RtpPacketView view, long now, long frequency, bool isRepair)
    {
        var payload = view.Payload;
        Volatile.Write(ref _lastPacketAt, now == 0 ? 1 : now);
        // A key-frame start that arrives after newer packets (reordered, or an RTX repair of one lost earlier) is
        // not a place to start or switch: the rest of that key frame has already gone by.
        bool late = Receiver.PacketsReceived > 0 && (short)(view.SequenceNumber - (ushort)Receiver.ExtendedHighestSequence) <= 0;
        Receiver.Receive(view.SequenceNumber, view.Timestamp, MediaClock.Convert(now, frequency, ClockRate), payload.Length);

        if (Nack is { } nack)
        {
            switch (nack.OnPacket(view.SequenceNumber, now, isRepair))
            {
                case NackAction.SendNack:
                    _feedback.SendNack(this, now);
                    break;
                case NackAction.RequestKeyFrame:
                    _feedback.RequestKeyFrame(this);
                    break;
            }
        }

        bool keyFrame = !late && KeyFrameDetector.IsKeyFrame(CodecOf(view.PayloadType), payload);
        if (keyFrame)
        {
            KeyFrames++;
            if (KeyFrameDetector.TryReadVp8Size(payload, out int width, out int height)
                && Interlocked.Exchange(ref _frameSize, (width << 16) | height) != ((width << 16) | height))
            {
                // First real size, or the encoder changed it: tiles sized before are judged again.
                var sized = Volatile.Read(ref _consumers);
                for (int i = 0; i < sized.Length; i++) sized[i].OnLayerSizeChanged();
            }
        }

        var consumers = Volatile.Read(ref _consumers);
        // One atomic add for every consumer's reference, and one release of those not used: the count's cache line
        // is written twice per packet here, not once per consumer while send workers on other cores read the packet.
        packet.AddRef(consumers.Length);
        int unused = consumers.Length;
        for (int i = 0; i < consumers.Length; i++)
        {
            if (consumers[i].TryForward(packet, view, keyFrame, now, frequency)) unused--;
        }
        packet.Release(unused);
        KeyFrameCache?.OnPacket(packet, view, keyFrame);
    }

    /// <summary>
    /// RFC 4588 §4: rewrites an RTX packet in place into the original packet: the 2-byte OSN leaves the payload
    /// and becomes the sequence number, the SSRC and payload type (from the RTX payload type's apt) become the media
    /// stream's. False for a padding-only probe, an unknown RTX payload type or a repair nobody is waiting for.
    /// </summary>
    private bool TryDecapsulateRtx(PooledPacket packet, in RtpPacketView view)
    {
        if (Ssrc == 0 || view.Payload.Length < 2) return false;
        byte apt;
        if (!TryGetApt(view.PayloadType, out apt)) return false;
        ushort osn = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(view.Payload);
        // Only repair what is missing: duplicates (RTX probes with old payloads) would waste subscribers' bandwidth.
        if (Nack is { } nack && !nack.IsMissing(osn)) return false;
        int headerLength = view.HeaderLength;
        var span = packet.Span;
        span[(headerLength + 2)..].CopyTo(span[headerLength..]);
        packet.Length -= 2;
        span = packet.Span;
        RtpHeader.SetSequenceNumber(span, osn);
        RtpHeader.SetSsrc(span, Ssrc);
        RtpHeader.SetPayloadType(span, apt);
        return true;
    }

    private bool TryGetApt(byte rtxPayloadType, out byte apt)
    {
        foreach (var (rtx, a) in _rtxPayloadTypes)
        {
            if (rtx == rtxPayloadType)
            {
                apt = a;
                return true;
            }
        }
        // Without a map, only a signaled RTX SSRC of a single-codec producer says what the packet repairs; a payload
        // type that is merely unknown (RED, CN, DTMF not listed) must not be taken for RTX.
        apt = _codecs[0].PayloadType;
        return _codecs.Length == 1 && _rtxPayloadTypes.Length == 0 && RtxSsrc != 0;
    }

    /// <summary>True when key frames of this producer's codecs can be detected, so consumers can wait for one.</summary>
    internal bool CanGateOnKeyFrames
    {
        get
        {
            if (Kind != MediaKind.Video) return false;
            foreach (var kind in _codecKinds)
            {
                if (KeyFrameDetector.CanDetect(kind)) return true;
            }
            return false;
        }
    }

    internal bool IsMediaPayloadType(byte payloadType)
    {
        foreach (var codec in _codecs)
        {
            if (codec.PayloadType == payloadType) return true;
        }
        return false;
    }

    internal CodecKind CodecOf(byte payloadType)
    {
        for (int i = 0; i < _codecs.Length; i++)
        {
            if (_codecs[i].PayloadType == payloadType) return _codecKinds[i];
        }
        return CodecKind.Other;
    }

    internal void AddConsumer(Consumer consumer)
    {
        lock (_gate)
        {
            if (_closed) throw new InvalidOperationException($"Producer {Id} is closed.");
            Volatile.Write(ref _consumers, [.. _consumers, consumer]);
        }
    }

    internal void RemoveConsumer(Consumer consumer)
    {
        lock (_gate)
        {
            Volatile.Write(ref _consumers, Array.FindAll(_consumers, c => c != consumer));
        }
    }

    /// <summary>Marks closed and returns the consumers that were attached (the router closes them).</summary>
    internal Consumer[] MarkClosed()
    {
        KeyFrameCache?.Clear(close: true);
        lock (_gate)
        {
            _closed = true;
            var consumers = _consumers;
            Volatile.Write(ref _consumers, []);
            return consumers;
        }
    }
}
