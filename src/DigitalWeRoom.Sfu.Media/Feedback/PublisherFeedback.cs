using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Feedback;

/// <summary>
/// RTCP the server sends to publishers: PLI (RFC 4585 §6.3.1) through each producer's
/// <see cref="KeyFrameRequestThrottle"/>, generic NACK (RFC 4585 §6.2.1) for gaps, transport-cc feedback
/// (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1) and REMB (draft-alvestrand-rmcat-remb-03) for publishers
/// without it. Every packet goes into the publisher transport's <see cref="TransportSender"/> queue. Called from
/// receive loops (gaps, subscribers' PLI), room control (new consumers) and the <see cref="FeedbackTimers"/>.
/// NACK retries (RFC 4585 §3.5.3: repeat while the packet is still missing) run on a timer started by the first gap
/// and stopped a second after the last one closed: a room without loss spends no wake-up on them (the timer ticked
/// every 20 ms per room before).
/// </summary>
internal sealed class PublisherFeedback : IPublisherFeedback, IDisposable
{
    /// <summary>REMB bounds and start value (bits per second) of a publisher's <see cref="Congestion.ReceiveSideEstimator"/>.</summary>
    internal const double RembInitialBps = 2_000_000, RembMinBps = 100_000, RembMaxBps = 20_000_000;

    private readonly PacketPool _pool;
    private readonly MediaCounters _counters;
    private readonly TimeProvider _time;
    private readonly Router _registry;
    private readonly TimeSpan _nackRetryInterval;
    private readonly int _nackIdlePassesBeforeStop;
    private int _nackIdlePasses;
    private readonly Lock _nackTimerGate = new();
    private ITimer? _nackTimer;
    private int _nackTimerArmed;
    private bool _disposed;

    internal PublisherFeedback(Router registry, PacketPool pool, MediaCounters counters, TimeProvider time, TimeSpan nackRetryInterval)
    {
        _registry = registry;
        _pool = pool;
        _counters = counters;
        _time = time;
        _nackRetryInterval = nackRetryInterval;
        _nackIdlePassesBeforeStop = nackRetryInterval > TimeSpan.Zero ? Math.Max(1, (int)(NackRetryLinger / nackRetryInterval)) : 1;
    }

    /// <summary>How long the retry timer keeps running after the last gap closed.</summary>
    internal static readonly TimeSpan NackRetryLinger = TimeSpan.FromSeconds(1);

    /// <summary>Whether the NACK retry timer is running (for tests).</summary>
    internal bool NackRetryArmed => Volatile.Read(ref _nackTimerArmed) == 1;

    /// <summary>Asks the publisher of a video producer for a key frame (PLI), at most once per throttle interval.</summary>
    public void RequestKeyFrame(Producer producer)
    {
        // Unbound (no packet yet): nothing to ask for; its first packets start with a key frame anyway.
        if (producer.Kind != MediaKind.Video || producer.IsClosed || producer.Ssrc == 0) return;
        if (!producer.KeyFrameThrottle.TryAcquire(_time.GetTimestamp()))
        {
            _counters.OnKeyFrameRequestThrottled();
            return;
        }
        SendPictureLossIndication(producer);
    }

    /// <summary>Sends the publisher of <paramref name="producer"/> a NACK for its packets due now, if any.</summary>
    public void SendNack(Producer producer, long now)
    {
        if (producer.Nack is not { } generator || producer.IsClosed || producer.Ssrc == 0) return;
        Span<ushort> due = stackalloc ushort[256];
        int count = generator.CollectDue(now, due);
        // Still missing (sent now, or waiting for the reorder delay or the round trip): retry on the timer.
        if (generator.MissingCount > 0) ArmNackRetry();
        if (count == 0) return;
        var packet = _pool.Rent();
        packet.Length = TransportLayerNack.Write(packet.Buffer.AsSpan(0, PooledPacket.MaxDatagramSize - TransportSender.SrtpHeadroom), producer.Publisher.RtcpSsrc, producer.Ssrc, due[..count]);
        if (packet.Length == 0)
        {
            packet.Release();
            return;
        }
        if (producer.Publisher.Outbound.TryEnqueue(OutboundItem.ForRtcp(packet)))
        {
            _counters.OnNackSent();
        }
    }

    /// <summary>NACK retries for missing packets whose round-trip time has passed; false when nothing was missing.</summary>
    internal bool SendDueNacks(ReadOnlySpan<Producer> producers)
    {
        long now = _time.GetTimestamp();
        bool missing = false;
        foreach (var producer in producers)
        {
            if (producer.Nack is not { MissingCount: > 0 }) continue;
            missing = true;
            SendNack(producer, now);
        }
        return missing;
    }

    /// <summary>Key-frame timer: sends requests refused by the throttle earlier, now that the interval has passed.</summary>
    internal void FlushPendingKeyFrameRequests(ReadOnlySpan<Producer> producers)
    {
        long now = _time.GetTimestamp();
        foreach (var producer in producers)
        {
            if (!producer.IsClosed && producer.KeyFrameThrottle.TryAcquirePending(now))
            {
                SendPictureLossIndication(producer);
            }
        }
    }

    private void SendPictureLossIndication(Producer producer)
    {
        var packet = _pool.Rent();
        packet.Length = PictureLossIndication.Write(packet.Buffer, producer.Publisher.RtcpSsrc, producer.Ssrc);
        if (producer.Publisher.Outbound.TryEnqueue(OutboundItem.ForRtcp(packet)))
        {
            _counters.OnKeyFrameRequestSent();
        }
    }

    /// <summary>Media timer: transport-cc feedback to each publisher whose packets arrived since the last one.</summary>
    internal void SendTransportWideFeedback(ReadOnlySpan<MediaTransport> transports)
    {
        foreach (var transport in transports)
        {
            if (transport.TransportWideCc is not { } recorder || recorder.Pending == 0 || transport.IsClosed) continue;
            var producers = transport.Producers;
            uint mediaSsrc = producers.Length > 0 ? producers[0].Ssrc : 0;
            var packet = _pool.Rent();
            int length = recorder.WriteFeedback(packet.Buffer.AsSpan(0, Math.Min(packet.Buffer.Length, 1200)), transport.RtcpSsrc, mediaSsrc);
            if (length == 0)
            {
                packet.Release();
                continue;
            }
            packet.Length = length;
            transport.Outbound.TryEnqueue(OutboundItem.ForRtcp(packet));
        }
    }

    /// <summary>
    /// Each publisher whose transport has no transport-cc gets a REMB (draft-alvestrand-rmcat-remb-03) with its
    /// <see cref="MediaTransport.UploadEstimate"/> over its video streams, so its encoder still adapts to loss.
    /// </summary>
    internal void SendRembs(ReadOnlySpan<MediaTransport> transports)
    {
        long nowMicros = MediaClock.Convert(_time.GetTimestamp(), _time.TimestampFrequency, 1_000_000);
        Span<uint> ssrcs = stackalloc uint[8];
        foreach (var transport in transports)
        {
            if (transport.UploadEstimate is not { } estimator || transport.IsClosed) continue;
            int count = 0;
            long octets = 0, expected = 0, lost = 0;
            foreach (var producer in transport.Producers)
            {
                if (producer.Kind != MediaKind.Video || producer.Ssrc == 0 || producer.IsClosed) continue;
                var receiver = producer.Receiver;
                octets += receiver.OctetsReceived;
                expected += receiver.PacketsExpected;
                lost += receiver.PacketsLost;
                if (count < ssrcs.Length) ssrcs[count++] = producer.Ssrc;
            }
            if (count == 0) continue;
            double bps = estimator.Update(octets, expected, lost, nowMicros);
            var packet = _pool.Rent();
            int length = ReceiverEstimatedMaxBitrate.Write(packet.Buffer.AsSpan(0, 64), transport.RtcpSsrc, (ulong)bps, ssrcs[..count]);
            if (length == 0)
            {
                packet.Release();
                continue;
            }
            packet.Length = length;
            if (transport.Outbound.TryEnqueue(OutboundItem.ForRtcp(packet))) _counters.OnRembSent();
        }
    }

    /// <summary>Starts the retry timer unless it runs already (any thread: receive loops, the timer itself).</summary>
    private void ArmNackRetry()
    {
        if (_nackRetryInterval <= TimeSpan.Zero || Interlocked.Exchange(ref _nackTimerArmed, 1) == 1) return;
        lock (_nackTimerGate)
        {
            if (_disposed) return;
            _nackIdlePasses = 0;
            _nackTimer ??= _time.CreateTimer(static s => ((PublisherFeedback)s!).OnNackRetryTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _nackTimer.Change(_nackRetryInterval, _nackRetryInterval);
        }
    }

    /// <summary>
    /// A retry pass; after <see cref="NackRetryLinger"/> of passes with nothing missing the timer stops (not at the
    /// first: sporadic loss would start and stop it at every gap).
    /// </summary>
    private void OnNackRetryTimer()
    {
        if (SendDueNacks(_registry.Producers))
        {
            _nackIdlePasses = 0;
            return;
        }
        if (++_nackIdlePasses < _nackIdlePassesBeforeStop) return;
        lock (_nackTimerGate)
        {
            _nackIdlePasses = 0;
            Interlocked.Exchange(ref _nackTimerArmed, 0);
            // A gap recorded before a receive loop saw the flag still set (and so did not arm) is seen here.
            if (AnyMissing(_registry.Producers))
            {
                Volatile.Write(ref _nackTimerArmed, 1);
                return;
            }
            if (!_disposed) _nackTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private static bool AnyMissing(ReadOnlySpan<Producer> producers)
    {
        foreach (var producer in producers)
        {
            if (producer.Nack is { MissingCount: > 0 }) return true;
        }
        return false;
    }

    public void Dispose()
    {
        lock (_nackTimerGate)
        {
            _disposed = true;
            _nackTimer?.Dispose();
        }
    }
}
