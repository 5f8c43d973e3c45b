using DigitalWeRoom.Sfu.Media.Feedback;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// The router's side of one participant's transport (one WebRtcTransport): the producers it publishes (with the
/// <see cref="RtpListener"/> that finds them), the consumers it subscribes to, and its single
/// <see cref="SubscriberSender"/>. The server keeps this object next to its WebRtcTransport and forwards the
/// transport listener's OnRtp/OnRtcp to <see cref="OnRtp"/>/<see cref="OnRtcp"/>.
/// </summary>
internal sealed class MediaTransport
{
    private readonly object _gate = new();
    private readonly RtcpReportBuilder _reports;
    private Producer[] _producers = [];
    private RtpStreamReceiver[] _receivers = [];
    private Consumer[] _consumers = [];
    private RtpStreamSender[] _streams = [];
    private volatile bool _closed;

    internal MediaTransport(Router router, string id, IRtpPacketSender sender, RtpHeaderExtensionIds extensions, uint rtcpSsrc)
    {
        Router = router;
        Id = id;
        Sender = sender;
        RtcpSsrc = rtcpSsrc;
        Listener = new RtpListener(extensions);
        Outbound = new SubscriberSender(this, sender, router.Counters, router.Time, router.Options.SubscriberQueueCapacity);
        _reports = new RtcpReportBuilder(rtcpSsrc, router.Options.Cname);
    }

    public string Id { get; }

    public Router Router { get; }

    public IRtpPacketSender Sender { get; }

    /// <summary>SSRC this transport's RTCP (RR, PLI) is sent from when no media stream is sent.</summary>
    public uint RtcpSsrc { get; }

    public RtpListener Listener { get; }

    public SubscriberSender Outbound { get; }

    public bool IsClosed => _closed;

    /// <summary>The running send loop (null when <see cref="RouterOptions.StartSendLoops"/> is off).</summary>
    public Task? SendLoop { get; internal set; }

    public ReadOnlySpan<Producer> Producers => Volatile.Read(ref _producers);

    public ReadOnlySpan<Consumer> Consumers => Volatile.Read(ref _consumers);

    /// <summary>Transport listener's OnRtp (receive loop): borrows the packet for the call.</summary>
    public void OnRtp(PooledPacket decryptedPacket) => Router.OnRtp(this, decryptedPacket);

    /// <summary>Transport listener's OnRtcp (receive loop): borrows the packet for the call.</summary>
    public void OnRtcp(PooledPacket decryptedPacket) => Router.OnRtcp(this, decryptedPacket);

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

    private void ThrowIfClosed()
    {
        if (_closed) throw new InvalidOperationException($"Transport {Id} is closed.");
    }
}
