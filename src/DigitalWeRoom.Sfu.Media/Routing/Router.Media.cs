using DigitalWeRoom.Sfu.Media.Congestion;
using DigitalWeRoom.Sfu.Media.Speech;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>Told which simulcast layers of a track any subscriber wants (dynacast), so the publisher can pause the others.</summary>
internal interface IProducerLayerListener
{
    /// <summary>
    /// <paramref name="producer"/> is the track's lowest layer; bit i of <paramref name="mask"/> set = layer i is
    /// wanted by at least one unpaused consumer. Raised on the room control thread when the mask changes.
    /// </summary>
    void OnLayersNeeded(Producer producer, int mask);
}

/// <summary>
/// Simulcast, bandwidth and speech parts of the router: dynacast masks, the active speaker used for allocation,
/// transport-cc arrival recording and feedback toward publishers, RFC 6464 audio levels into the
/// <see cref="DominantSpeakerDetector"/>, all on one 100 ms media timer.
/// </summary>
internal sealed partial class Router
{
    /// <summary>Transport-cc feedback period toward publishers and the speaker detector's bin.</summary>
    public static readonly TimeSpan MediaTickInterval = TimeSpan.FromMilliseconds(DominantSpeakerDetector.BinMilliseconds);

    private readonly Dictionary<Producer, int> _layerMasks = [];
    private readonly ITimer _mediaTimer;
    private readonly object _speakerGate = new();

    /// <summary>
    /// Dominant speaker detection over the audio producers whose <see cref="Producer.Speaker"/> is set (room
    /// control: <c>producer.Speaker = router.Speakers.AddSpeaker(participantId)</c>; add/remove under
    /// <see cref="WithSpeakers"/>). Its OnDominantSpeakerChanged runs on the media timer.
    /// </summary>
    public DominantSpeakerDetector Speakers { get; } = new();

    /// <summary>Runs <paramref name="action"/> serialized with the detector's evaluation (for Add/RemoveSpeaker).</summary>
    public T WithSpeakers<T>(Func<DominantSpeakerDetector, T> action)
    {
        lock (_speakerGate) return action(Speakers);
    }

    /// <summary>Receive loop: transport-wide sequence (publisher TWCC feedback) and audio level of one packet.</summary>
    private static void OnMediaExtensions(MediaTransport from, Producer producer, in RtpPacketView view, long now)
    {
        if (!view.HasExtension) return;
        var ids = from.Extensions;
        if (from.TransportWideCc is { } recorder
            && view.TryGetExtension(ids.TransportWideSequenceNumber, out var twcc)
            && TransportWideSequenceNumber.TryRead(twcc, out ushort sequence))
        {
            recorder.Record(sequence, MediaClock.Convert(now, from.Router.Time.TimestampFrequency, 1_000_000));
        }
        if (producer.Speaker is { } speaker && ids.AudioLevel != 0
            && view.TryGetExtension(ids.AudioLevel, out var level)
            && AudioLevel.TryRead(level, out bool voice, out byte dbov))
        {
            speaker.OnAudioLevel(dbov, voice);
        }
    }

    private void OnMediaTick()
    {
        lock (_speakerGate)
        {
            Speakers.Evaluate();
            // Speaker ids are the participants' transport ids: the allocator serves that publisher's video first.
            ActiveSpeakerTransportId = Speakers.DominantSpeaker;
        }
        foreach (var transport in Transports)
        {
            if (transport.TransportWideCc is not { } recorder || recorder.Pending == 0 || transport.IsClosed) continue;
            var producers = transport.Producers;
            uint mediaSsrc = producers.Length > 0 ? producers[0].Ssrc : 0;
            var packet = Pool.Rent();
            int length = recorder.WriteFeedback(packet.Buffer.AsSpan(0, Math.Min(packet.Buffer.Length, 1200)), transport.RtcpSsrc, mediaSsrc);
            if (length == 0)
            {
                packet.Release();
                continue;
            }
            packet.Length = length;
            transport.Outbound.TryEnqueue(OutboundRtp.ForRtcp(packet));
        }
        // REMB goes with the periodic RTCP reports: none when those are off (tests that drive the router by hand).
        if (Options.RtcpReportInterval > TimeSpan.Zero && ++_mediaTicks % RembTicks == 0) SendRembs();
    }

    /// <summary>REMB toward publishers without transport-cc: once a second (10 media ticks).</summary>
    private const int RembTicks = 10;

    internal const double RembInitialBps = 2_000_000, RembMinBps = 100_000, RembMaxBps = 20_000_000;

    private long _mediaTicks;

    /// <summary>
    /// Media timer: each publisher whose transport has no transport-cc gets a REMB (draft-alvestrand-rmcat-remb-03)
    /// with its <see cref="MediaTransport.UploadEstimate"/> over its video streams, so its encoder still adapts to loss.
    /// </summary>
    private void SendRembs()
    {
        long nowMicros = MediaClock.Convert(Time.GetTimestamp(), Time.TimestampFrequency, 1_000_000);
        Span<uint> ssrcs = stackalloc uint[8];
        foreach (var transport in Transports)
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
            var packet = Pool.Rent();
            int length = ReceiverEstimatedMaxBitrate.Write(packet.Buffer.AsSpan(0, 64), transport.RtcpSsrc, (ulong)bps, ssrcs[..count]);
            if (length == 0)
            {
                packet.Release();
                continue;
            }
            packet.Length = length;
            if (transport.Outbound.TryEnqueue(OutboundRtp.ForRtcp(packet))) Counters.OnRembSent();
        }
    }
    /// <summary>Receives dynacast changes (the room wires it to the publisher's signaling).</summary>
    public IProducerLayerListener? LayerListener { get; set; }

    /// <summary>Participant (transport id) whose video the bandwidth allocation serves right after audio.</summary>
    public string? ActiveSpeakerTransportId { get; set; }

    /// <summary>The last dynacast mask raised for a track (keyed by its lowest layer); -1 if none yet.</summary>
    public int LayerMaskOf(Producer lowestLayer)
    {
        lock (_layerMasks)
        {
            return _layerMasks.TryGetValue(lowestLayer, out int mask) ? mask : -1;
        }
    }

    /// <summary>
    /// A simulcast consumer's target layer (tile preference, bandwidth cap), pause state or existence changed: room
    /// control, a subscriber's receive loop after a bandwidth allocation, or the publisher's receive loop when the
    /// consumer's target stops or starts arriving (<see cref="SimulcastLayerSelector.TargetSilent"/>). The mask is
    /// computed under its lock.
    /// </summary>
    internal void OnPreferredLayerChanged(Consumer consumer)
    {
        var layers = consumer.Simulcast!.Layers;
        var lowest = layers[0];
        lock (_layerMasks)
        {
            int mask = 0;
            foreach (var other in lowest.Consumers)
            {
                if (other.Simulcast is not { } s || other.IsPaused || other.IsClosed) continue;
                int target = s.TargetLayer; // tile preference capped by the subscriber's bandwidth
                // While the target is not arriving the subscriber gets the best lower layer: keep those encoded too.
                if (target >= 0) mask |= s.TargetSilent ? (2 << target) - 1 : 1 << target;
            }
            if (_layerMasks.TryGetValue(lowest, out int previous) && previous == mask) return;
            _layerMasks[lowest] = mask;
            LayerListener?.OnLayersNeeded(lowest, mask); // under the lock: masks reach the listener in order
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
}
