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
internal sealed class Producer
{
    private readonly object _gate = new();
    private readonly RtpCodec[] _codecs;
    private readonly CodecKind[] _codecKinds;
    private Consumer[] _consumers = [];
    private long _rtxIgnored;
    private volatile bool _closed;

    internal Producer(Router router, MediaTransport publisher, ProducerOptions options, long timestampFrequency)
    {
        Router = router;
        Publisher = publisher;
        Id = options.Id;
        Kind = options.Kind;
        Ssrc = options.Ssrc;
        RtxSsrc = options.RtxSsrc;
        Mid = options.Mid;
        Rid = options.Rid;
        MidBytes = RtpListener.ToBytes(options.Mid);
        RidBytes = RtpListener.ToBytes(options.Rid);
        _codecs = [.. options.Codecs];
        if (_codecs.Length == 0) throw new ArgumentException("A producer needs at least one codec.", nameof(options));
        _codecKinds = Array.ConvertAll(_codecs, c => KeyFrameDetector.FromMimeType(c.MimeType));
        ClockRate = _codecs[0].ClockRate;
        Receiver = new RtpStreamReceiver(options.Ssrc, ClockRate);
        KeyFrameThrottle = new KeyFrameRequestThrottle(router.Options.KeyFrameRequestMinInterval, timestampFrequency);
    }

    public string Id { get; }

    public MediaKind Kind { get; }

    /// <summary>Media SSRC; 0 until bound when it was not signaled.</summary>
    public uint Ssrc { get; private set; }

    public uint RtxSsrc { get; }

    public string? Mid { get; }

    public string? Rid { get; }

    public int ClockRate { get; }

    public Router Router { get; }

    /// <summary>The transport this track arrives on (PLI and RR go back through it).</summary>
    public MediaTransport Publisher { get; }

    public RtpStreamReceiver Receiver { get; }

    public KeyFrameRequestThrottle KeyFrameThrottle { get; }

    public bool IsClosed => _closed;

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
        if (isRtx)
        {
            // Seam: RTX (RFC 4588) repair and padding probes; decapsulate here once NACK/RTX lands.
            Interlocked.Increment(ref _rtxIgnored);
            return;
        }
        var payload = view.Payload;
        Receiver.Receive(view.SequenceNumber, view.Timestamp, MediaClock.Convert(now, frequency, ClockRate), payload.Length);

        bool keyFrame = KeyFrameDetector.IsKeyFrame(CodecOf(view.PayloadType), payload);
        if (keyFrame) KeyFrames++;

        var consumers = Volatile.Read(ref _consumers);
        for (int i = 0; i < consumers.Length; i++)
        {
            consumers[i].TryForward(packet, view, keyFrame, now, frequency);
        }
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

    private CodecKind CodecOf(byte payloadType)
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
        lock (_gate)
        {
            _closed = true;
            var consumers = _consumers;
            Volatile.Write(ref _consumers, []);
            return consumers;
        }
    }
}
