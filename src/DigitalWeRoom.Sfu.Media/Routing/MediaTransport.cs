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
/// <see cref="TransportSender"/>. It is its WebRtcTransport's listener: decrypted RTP/RTCP come straight here (receive
/// loop), state changes go on to the <see cref="IMediaTransportListener"/> above; it sends through the transport.
/// </summary>
public sealed class MediaTransport : IWebRtcTransportListener, ISubscriberBandwidthListener
{
    private readonly object _gate = new();
    private readonly RtcpReportBuilder _reports;
    private Producer[] _producers = [];
    private RtpStreamReceiver[] _receivers = [];
    private Consumer[] _consumers = [];
    private RtpStreamSender[] _streams = [];
    private volatile bool _closed;

    private readonly Router _router;

    internal MediaTransport(Router router, string id, IRtpPacketSender sender, RtpHeaderExtensionIds extensions, uint rtcpSsrc, IMediaTransportListener? listener)
    {
        _router = router;
        Id = id;
        Sender = sender;
        RtcpSsrc = rtcpSsrc;
        Listener = new RtpListener(extensions);
        Extensions = extensions;
        TransportWideCc = extensions.TransportWideSequenceNumber != 0 ? new TransportWideCcRecorder() : null;
        UploadEstimate = TransportWideCc is null ? new ReceiveSideEstimator(PublisherFeedback.RembInitialBps, PublisherFeedback.RembMinBps, PublisherFeedback.RembMaxBps) : null;
        Bandwidth = new SubscriberBandwidth(extensions.TransportWideSequenceNumber);
        Allocation = new BandwidthAllocation(this, router.Speakers, router.Dynacast, router.Counters, router.Time, router.Options.PauseVideoForBandwidth, listener);
        Outbound = new TransportSender(this, sender, router.Counters, router.Time, router.Options);
        _listener = listener;
        Bandwidth.Probing = router.Options.BandwidthProbing;
        Bandwidth.Listener = this;
        _reports = new RtcpReportBuilder(rtcpSsrc, router.Options.Cname);
    }

    private readonly IMediaTransportListener? _listener;

    public string Id { get; }

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

    /// <summary>Splits <see cref="Bandwidth"/>'s estimate across this subscriber's consumers (layer caps, video pauses).</summary>
    public BandwidthAllocation Allocation { get; }

    public TransportSender Outbound { get; }

    /// <summary>The streams this transport sends (send loop: the probe picks an RTX stream from them).</summary>
    public RtpStreamSender[] Streams => Volatile.Read(ref _streams);

    public bool IsClosed => _closed;

    /// <summary>The running send loop (null when <see cref="RouterOptions.StartSendLoops"/> is off).</summary>
    public Task? SendLoop { get; internal set; }

    public ReadOnlySpan<Producer> Producers => Volatile.Read(ref _producers);

    public ReadOnlySpan<Consumer> Consumers => Volatile.Read(ref _consumers);

    /// <summary>Decrypted RTP (receive loop): borrows the packet for the call.</summary>
    public void OnRtp(PooledPacket decryptedPacket) => _router.OnRtp(this, decryptedPacket);

    /// <summary>Decrypted RTCP (receive loop): borrows the packet for the call.</summary>
    public void OnRtcp(PooledPacket decryptedPacket) => _router.Rtcp.OnRtcp(this, decryptedPacket);

    void IWebRtcTransportListener.OnRtp(WebRtcTransport transport, PooledPacket packet) => _router.OnRtp(this, packet);

    void IWebRtcTransportListener.OnRtcp(WebRtcTransport transport, PooledPacket packet) => _router.Rtcp.OnRtcp(this, packet);

    void IWebRtcTransportListener.OnStateChanged(WebRtcTransport transport, WebRtcTransportState state) =>
        _listener?.OnTransportStateChanged(transport, state);

    void ISubscriberBandwidthListener.OnBudgetChanged(double budgetBps) => Allocation.Allocate(budgetBps);

    void ISubscriberBandwidthListener.OnProbeRequested() => Outbound.TryEnqueue(OutboundItem.ProbeTick());

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
