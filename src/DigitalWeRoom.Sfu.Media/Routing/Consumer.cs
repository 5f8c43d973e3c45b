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
internal sealed class Consumer
{
    /// <summary>While waiting for a key frame, the request is repeated this often (seconds).</summary>
    private const int KeyFrameRetrySeconds = 1;

    private readonly SequenceRewriter _rewriter;
    private readonly byte[] _payloadTypeFrom;
    private readonly byte[] _payloadTypeTo;
    private readonly bool _gateOnKeyFrames;
    private volatile bool _paused;
    private volatile bool _closed;
    private int _resyncRequested = 1;
    private bool _waitingForKeyFrame;
    private long _waitingSince;
    private long _enqueued;
    private long _skippedWaitingForKeyFrame;

    internal Consumer(Producer producer, MediaTransport subscriber, ConsumerOptions options)
    {
        Id = options.Id;
        Producer = producer;
        Subscriber = subscriber;
        OutputSsrc = options.OutputSsrc;
        Stream = new RtpStreamSender(options.OutputSsrc, producer.ClockRate);
        _rewriter = new SequenceRewriter(producer.ClockRate);
        _gateOnKeyFrames = producer.CanGateOnKeyFrames;
        _paused = options.Paused;
        _payloadTypeFrom = [.. options.PayloadTypeMap.Select(m => m.Publisher)];
        _payloadTypeTo = [.. options.PayloadTypeMap.Select(m => m.Subscriber)];
    }

    public string Id { get; }

    public Producer Producer { get; }

    public MediaTransport Subscriber { get; }

    public uint OutputSsrc { get; }

    public RtpStreamSender Stream { get; }

    public bool IsPaused => _paused;

    public bool IsClosed => _closed;

    public MediaKind Kind => Producer.Kind;

    /// <summary>Packets handed to the subscriber's queue.</summary>
    public long PacketsEnqueued => Volatile.Read(ref _enqueued);

    public long PacketsSkippedWaitingForKeyFrame => Volatile.Read(ref _skippedWaitingForKeyFrame);

    /// <summary>Stop forwarding (room control). Packets already queued still go out.</summary>
    public void Pause() => _paused = true;

    /// <summary>Resume forwarding: continuous seq/ts, and (video) a key frame is requested and waited for.</summary>
    public void Resume()
    {
        if (!_paused || _closed) return;
        Volatile.Write(ref _resyncRequested, 1);
        _paused = false;
        if (_gateOnKeyFrames) Producer.Router.RequestKeyFrame(Producer);
    }

    internal void MarkClosed() => _closed = true;

    private byte MapPayloadType(byte payloadType)
    {
        var from = _payloadTypeFrom;
        for (int i = 0; i < from.Length; i++)
        {
            if (from[i] == payloadType) return _payloadTypeTo[i];
        }
        return payloadType;
    }

    /// <summary>Publisher's receive loop. Takes its own reference on <paramref name="packet"/> when it enqueues.</summary>
    internal bool TryForward(PooledPacket packet, in RtpPacketView view, bool isKeyFrame, long now, long frequency)
    {
        if (_paused || _closed) return false;
        if (_resyncRequested != 0 && Interlocked.Exchange(ref _resyncRequested, 0) != 0)
        {
            _rewriter.RequestResync();
            _waitingForKeyFrame = _gateOnKeyFrames;
            _waitingSince = now;
        }
        if (_waitingForKeyFrame)
        {
            if (!isKeyFrame)
            {
                Interlocked.Increment(ref _skippedWaitingForKeyFrame);
                // The PLI (or the key frame) may have been lost: ask again while still waiting.
                if (now - _waitingSince >= frequency * KeyFrameRetrySeconds)
                {
                    _waitingSince = now;
                    Producer.Router.RequestKeyFrame(Producer);
                }
                return false;
            }
            _waitingForKeyFrame = false;
        }
        if (!_rewriter.TryRewrite(view.SequenceNumber, view.Timestamp, now, frequency, out ushort seq, out uint timestamp))
        {
            return false;
        }
        packet.AddRef();
        if (!Subscriber.Outbound.TryEnqueue(OutboundRtp.ForRtp(packet, Stream, seq, timestamp, MapPayloadType(view.PayloadType), view.Payload.Length)))
        {
            return false; // TryEnqueue released the reference and counted the drop.
        }
        Interlocked.Increment(ref _enqueued);
        return true;
    }
}
