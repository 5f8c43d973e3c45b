using System.Diagnostics;
using System.Diagnostics.Metrics;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.Extensions.Options;
using DigitalWeRoom.Sfu.Rooms.Telemetry;

namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>
/// Every <c>sfu_*</c> instrument, one <see cref="Meter"/> per area (rooms, media, transport, signaling,
/// process), made through <see cref="IMeterFactory"/>. Per-packet numbers are never recorded here:
/// observable instruments read the owners' Interlocked counters (<see cref="TelemetrySources"/>) and
/// the room registry at scrape time. <c>Record*</c> methods are for rare events (a join, a switch, an
/// RTCP report) and do not allocate. Every series carries <c>node_id</c> and <c>region</c>.
/// </summary>
public sealed class SfuMetrics : IDisposable
{
    public const string RoomsMeter = "DigitalWeRoom.Sfu.Rooms";
    public const string MediaMeter = "DigitalWeRoom.Sfu.Media";
    public const string TransportMeter = "DigitalWeRoom.Sfu.Transport";
    public const string SignalingMeter = "DigitalWeRoom.Sfu.Signaling";
    public const string ProcessMeter = "DigitalWeRoom.Sfu.Process";

    internal static readonly string[] MeterNames = [RoomsMeter, MediaMeter, TransportMeter, SignalingMeter, ProcessMeter];

    /// <summary>
    /// Tag combinations kept per instrument. OpenTelemetry's default of 2,000 preallocates 2,000 points (72 B each) and
    /// their lookup for every instrument: 5.5 MB of the server's managed heap for 31 instruments (gcdump, issue 16 item
    /// 4). Our labels are bounded: the most varied series is the drop reason (a byte enum, at most 255 values, one series
    /// each), so 300 keeps every series and the overflow point.
    /// </summary>
    internal const int CardinalityLimit = 300;

    private static readonly double[] LatencyBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] SwitchBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30];

    private readonly RoomRegistry _rooms;
    private readonly TelemetrySources _sources;
    private readonly KeyValuePair<string, object?> _node;
    private readonly KeyValuePair<string, object?> _region;
    private readonly ActivityListener _activityListener;
    private readonly IDisposable _roomEvents;
    private readonly TimeProvider _time;
    private readonly Counter<long> _modeSwitches;
    private readonly Histogram<double> _switchDuration;
    private readonly Histogram<double> _joinLatency;
    private readonly Histogram<double> _rtt;
    private readonly Histogram<double> _forwardLatency;
    private long _iceFailures;
    private long _dtlsFailures;
    private long _consentExpiries;
    private double _lossRatioIn;
    private double _lossRatioOut;
    private readonly SignalingDrops _signalingDrops;
    private readonly MetricTags _tags;

    /// <param name="provider">Taken only so that the OpenTelemetry provider listens before the first measurement (null when metrics are off).</param>
    public SfuMetrics(IMeterFactory meterFactory, IOptions<TelemetryOptions> options, TelemetrySources sources, RoomRegistry rooms,
        OpenTelemetry.Metrics.MeterProvider? provider = null, TimeProvider? time = null, SignalingDrops? signalingDrops = null,
        SelectedPathCounter? paths = null)
    {
        _signalingDrops = signalingDrops ?? new SignalingDrops();
        _ = provider;
        _time = time ?? TimeProvider.System;
        _rooms = rooms;
        _sources = sources;
        NodeId = options.Value.ResolvedNodeId;
        Region = options.Value.Region;
        _node = new(MetricLabels.NodeId, NodeId);
        _region = new(MetricLabels.Region, Region);
        _tags = new MetricTags(_node, _region);
        var roomGauges = new RoomGauges(rooms, _tags);

        // The node's labels are also the meters' tags: two hosts in one process (tests) then keep
        // separate metric streams instead of sharing, and losing, one when the other is disposed.
        Meter Create(string name) => meterFactory.Create(new MeterOptions(name) { Tags = [_node, _region] });
        var roomsMeter = Create(RoomsMeter);
        var media = Create(MediaMeter);
        var transport = Create(TransportMeter);
        var signaling = Create(SignalingMeter);
        var process = Create(ProcessMeter);

        // Rooms (read from the registry's immutable snapshots at scrape time).
        roomsMeter.CreateObservableGauge("sfu_rooms", roomGauges.ObserveRooms, description: "Open rooms by mode (p2p, switching, sfu).");
        roomsMeter.CreateObservableGauge("sfu_participants", roomGauges.ObserveParticipants, description: "Participants by the mode of their room.");
        roomsMeter.CreateObservableGauge("sfu_tracks_published", roomGauges.ObserveTracksPublished, description: "Tracks announced by participants, by kind.");
        roomsMeter.CreateObservableGauge("sfu_tracks_subscribed", roomGauges.ObserveTracksSubscribed,
            description: "Server-side subscriptions (a track × each other participant of a room on the server path), by kind.");
        _modeSwitches = roomsMeter.CreateCounter<long>("sfu_mode_switches", description: "Room mode changes, by from and to mode.");
        foreach (var (from, to) in new[] { ("sfu", "switching"), ("switching", "p2p"), ("switching", "sfu"), ("p2p", "sfu") })
        {
            // The usual transitions exist from the start at 0, so increase()/rate() see the first switch.
            _modeSwitches.Add(0, new TagList { _node, _region, { MetricLabels.From, from }, { MetricLabels.To, to } });
        }

        _switchDuration = roomsMeter.CreateHistogram("sfu_mode_switch_duration_seconds", unit: null,
            description: "Time from entering switching until the room settled (p2p or back to sfu), by the mode reached.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SwitchBuckets });

        // Signaling.
        _joinLatency = signaling.CreateHistogram("sfu_join_latency_seconds", unit: null,
            description: "Time from a signaling join to the joined answer (or the error), by outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

        // Media (observable: read owners' counters).
        media.CreateObservableCounter("sfu_packets", ObservePackets, description: "RTP packets by direction, kind and transmission.");
        media.CreateObservableCounter("sfu_bytes", ObserveBytes, description: "RTP bytes (before SRTP) by direction, kind and transmission.");
        media.CreateObservableCounter("sfu_nacks", () => ObserveFeedback(static t => (t.NacksIn, t.NacksOut)), description: "RTCP NACK packets (in: from subscribers, out: to publishers).");
        media.CreateObservableCounter("sfu_plis", () => ObserveFeedback(static t => (t.PlisIn, t.PlisOut)), description: "RTCP PLI packets (in: from subscribers, out: to publishers).");
        media.CreateObservableCounter("sfu_firs", () => ObserveFeedback(static t => (t.FirsIn, t.FirsOut)), description: "RTCP FIR packets (in: from subscribers, out: to publishers).");
        media.CreateObservableCounter("sfu_bandwidth_pauses", () => _tags.Tagged(_sources.ReadTraffic().BandwidthPauses),
            description: "Videos paused for a subscriber because its downlink estimate could not carry their lowest layer.");
        media.CreateObservableCounter("sfu_bandwidth_resumes", () => _tags.Tagged(_sources.ReadTraffic().BandwidthResumes),
            description: "Videos resumed for a subscriber after a bandwidth pause.");
        media.CreateObservableCounter("sfu_probe_packets", () => _tags.Tagged(_sources.ReadTraffic().ProbePackets),
            description: "Bandwidth probe packets (padding-only RTX) sent to subscribers whose congestion cap holds back wanted video.");
        media.CreateObservableCounter("sfu_probe_bytes", () => _tags.Tagged(_sources.ReadTraffic().ProbeBytes),
            description: "Bytes of those probe packets (before SRTP).");
        media.CreateObservableCounter("sfu_retransmissions_over_budget", () => _tags.Tagged(_sources.ReadTraffic().RetransmissionsOverBudget),
            description: "NACKed packets not resent because the subscriber's retransmission budget (a share of its estimate) was spent.");
        media.CreateObservableCounter("sfu_packets_lost", ObservePacketsLost,
            description: "RTP packets lost: in = on the way from publishers (our RFC 3550 A.3 count), out = on the way to subscribers (their receiver reports).");
        media.CreateObservableGauge("sfu_packet_loss_ratio", ObserveLossRatio,
            description: "Fraction of packets lost over the last sampling interval (in: publishers to us, out: us to subscribers).");
        media.CreateObservableGauge("sfu_jitter_seconds", ObserveJitter, description: "Mean interarrival jitter of the publishers' streams (RFC 3550 A.8).");
        _rtt = media.CreateHistogram("sfu_rtt_seconds", unit: null, description: "Round-trip times from RTCP reports (RFC 3550 6.4.1).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _forwardLatency = media.CreateHistogram("sfu_forward_latency_seconds", unit: null,
            description: "Time from receiving an RTP packet to handing it to the socket (sampled, not every packet).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

        // Transport.
        transport.CreateObservableCounter("sfu_packets_dropped", ObserveDrops, description: "Dropped input by reason.");
        if (paths is not null)
        {
            transport.CreateObservableGauge("sfu_transports_selected", () => _tags.ByLabel(paths.Count(), "transport", SelectedPathCounter.Kinds),
                description: "Connected server connections by their ICE-selected path (udp, tcp = ICE-TCP, relay = through a TURN server).");
        }
        transport.CreateObservableCounter("sfu_ice_failures", () => _tags.Tagged(_sources.ReadTraffic().IceFailures + Volatile.Read(ref _iceFailures)),
            description: "ICE sessions that never connected or lost connectivity.");
        transport.CreateObservableCounter("sfu_dtls_failures", () => _tags.Tagged(_sources.ReadTraffic().DtlsFailures + Volatile.Read(ref _dtlsFailures)),
            description: "DTLS handshakes that failed.");
        transport.CreateObservableCounter("sfu_consent_expiries", () => _tags.Tagged(_sources.ReadTraffic().ConsentExpiries + Volatile.Read(ref _consentExpiries)),
            description: "Transports closed because ICE consent expired (RFC 7675).");

        CapacityMetrics.Register(media, transport, signaling, _tags, sources);

        // Signaling.
        signaling.CreateObservableCounter("sfu_signaling_dropped", ObserveSignalingDrops,
            description: "Signaling messages not handled, by reason (malformed, invalid, too_large, rate_limited, not_joined, slow_client).");

        // Process.
        process.CreateObservableCounter("sfu_process_cpu_seconds", () => _tags.Tagged(Environment.CpuUsage.TotalTime.TotalSeconds),
            description: "CPU time used by the server process.");
        process.CreateObservableGauge("sfu_process_memory_bytes", () => _tags.Tagged(Environment.WorkingSet), description: "Working set of the server process.");
        process.CreateObservableGauge("sfu_process_gc_heap_bytes", () => _tags.Tagged(GC.GetTotalMemory(false)), description: "Managed heap in use.");

        _activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == SfuActivities.SourceName,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            ActivityStopped = OnActivityStopped,
        };
        ActivitySource.AddActivityListener(_activityListener);
        _roomEvents = rooms.Events.Subscribe(new ModeSwitchSink(this));
    }

    public string NodeId { get; }

    public string Region { get; }

    public TelemetrySources Sources => _sources;

    /// <summary>A room changed mode (wire names: p2p, switching, sfu).</summary>
    public void RecordModeSwitch(string from, string to)
    {
        var tags = new TagList { _node, _region, { MetricLabels.From, from }, { MetricLabels.To, to } };
        _modeSwitches.Add(1, tags);
    }

    /// <summary>A switch settled in <paramref name="reached"/> after <paramref name="duration"/> in switching.</summary>
    public void RecordSwitchDuration(string reached, TimeSpan duration)
    {
        var tags = new TagList { _node, _region, { MetricLabels.To, reached } };
        _switchDuration.Record(duration.TotalSeconds, tags);
    }

    /// <summary>Outcome: joined, room_full, too_many_rooms, rate_limited, error.</summary>
    public void RecordJoin(TimeSpan latency, string outcome)
    {
        var tags = new TagList { _node, _region, { MetricLabels.Outcome, outcome } };
        _joinLatency.Record(latency.TotalSeconds, tags);
    }

    /// <summary>One RTT measurement from an RTCP receiver report (per report, not per packet).</summary>
    public void RecordRtt(TimeSpan rtt)
    {
        var tags = new TagList { _node, _region };
        _rtt.Record(rtt.TotalSeconds, tags);
    }

    /// <summary>Receive-to-send time of one sampled packet (callers sample, e.g. 1 in 64).</summary>
    public void RecordForwardLatency(TimeSpan latency)
    {
        var tags = new TagList { _node, _region };
        _forwardLatency.Record(latency.TotalSeconds, tags);
    }

    public void RecordIceFailure() => Interlocked.Increment(ref _iceFailures);

    public void RecordDtlsFailure() => Interlocked.Increment(ref _dtlsFailures);

    public void RecordConsentExpiry() => Interlocked.Increment(ref _consentExpiries);

    /// <summary>Set by <see cref="StatsSampler"/> after each sample.</summary>
    internal void SetLossRatio(double inbound, double outbound)
    {
        Volatile.Write(ref _lossRatioIn, inbound);
        Volatile.Write(ref _lossRatioOut, outbound);
    }

    /// <summary>Dropped signaling messages (the WebSocket connections count into it).</summary>
    public SignalingDrops SignalingDrops => _signalingDrops;

    public void Dispose()
    {
        _roomEvents.Dispose();
        _activityListener.Dispose();
    }

    /// <summary>
    /// Mode switches as the rooms report them (<see cref="RoomRegistry.Events"/>, on the room's loop): counted, the
    /// time spent in switching timed, and an <c>sfu.switch</c> span for each switch that settles (leaves switching) or
    /// that ends peer-to-peer.
    /// </summary>
    private void OnModeSwitched(string room, string from, string to, TimeSpan timeInPreviousMode)
    {
        RecordModeSwitch(from, to);
        if (from == ModeNames.Switching)
        {
            RecordSwitchDuration(to, timeInPreviousMode);
            TraceSwitch(room, from, to, timeInPreviousMode);
        }
        else if (to == ModeNames.Sfu)
        {
            TraceSwitch(room, from, to, TimeSpan.Zero);
        }
    }

    private void TraceSwitch(string room, string from, string to, TimeSpan duration)
    {
        var end = _time.GetUtcNow();
        using var activity = SfuActivities.Source.StartActivity(SfuActivities.Switch, ActivityKind.Internal, parentContext: default,
            startTime: end - duration);
        if (activity is null)
        {
            return;
        }

        activity.SetTag(SfuActivities.RoomTag, room);
        activity.SetTag(SfuActivities.FromModeTag, from);
        activity.SetTag(SfuActivities.ToModeTag, to);
        activity.SetEndTime(end.UtcDateTime);
    }

    private sealed class ModeSwitchSink(SfuMetrics metrics) : IRoomEventSink
    {
        public void OnModeSwitched(string room, string from, string to, TimeSpan timeInPreviousMode) =>
            metrics.OnModeSwitched(room, from, to, timeInPreviousMode);
    }

    private void OnActivityStopped(Activity activity)
    {
        if (activity.OperationName == SfuActivities.Join)
        {
            RecordJoin(activity.Duration, activity.GetTagItem(SfuActivities.OutcomeTag) as string ?? "error");
        }
    }

    // ---- Observations (scrape time) -------------------------------------------------------

    private IEnumerable<Measurement<long>> ObservePackets()
    {
        var t = _sources.ReadTraffic();
        return ByTraffic(t.PacketsIn, t.PacketsOut);
    }

    private IEnumerable<Measurement<long>> ObserveBytes()
    {
        var t = _sources.ReadTraffic();
        return ByTraffic(t.BytesIn, t.BytesOut);
    }

    private IEnumerable<Measurement<long>> ObserveFeedback(Func<TrafficTotals, (long In, long Out)> pick)
    {
        var (inCount, outCount) = pick(_sources.ReadTraffic());
        return [_tags.M(inCount, MetricTags.Tag(MetricLabels.Direction, MetricLabels.In)), _tags.M(outCount, MetricTags.Tag(MetricLabels.Direction, MetricLabels.Out))];
    }

    private IEnumerable<Measurement<long>> ObservePacketsLost()
    {
        var t = _sources.ReadTraffic();
        return [_tags.M(t.PacketsLost, MetricTags.Tag(MetricLabels.Direction, MetricLabels.In)), _tags.M(t.PacketsLostOut, MetricTags.Tag(MetricLabels.Direction, MetricLabels.Out))];
    }

    private IEnumerable<Measurement<double>> ObserveLossRatio() =>
        [_tags.M(Volatile.Read(ref _lossRatioIn), MetricTags.Tag(MetricLabels.Direction, MetricLabels.In)),
         _tags.M(Volatile.Read(ref _lossRatioOut), MetricTags.Tag(MetricLabels.Direction, MetricLabels.Out))];

    private IEnumerable<Measurement<long>> ObserveSignalingDrops()
    {
        var list = new Measurement<long>[SignalingDrops.Names.Length];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = _tags.M(_signalingDrops.Get((SignalingDropReason)i), MetricTags.Tag(MetricLabels.Reason, SignalingDrops.Names[i]));
        }

        return list;
    }

    private IEnumerable<Measurement<double>> ObserveJitter()
    {
        var t = _sources.ReadTraffic();
        return _tags.Tagged(t.JitterStreams == 0 ? 0.0 : t.JitterSecondsSum / t.JitterStreams);
    }

    private IEnumerable<Measurement<long>> ObserveDrops()
    {
        var drops = _sources.ReadDrops();
        var list = new List<Measurement<long>>(48);
        for (var i = 1; i < drops.Length; i++)
        {
            if (MetricLabels.DropReasons[i] is { } name)
            {
                list.Add(_tags.M(drops[i], MetricTags.Tag(MetricLabels.Reason, name)));
            }
        }

        return list;
    }

    private List<Measurement<long>> ByTraffic(long[] inbound, long[] outbound)
    {
        var list = new List<Measurement<long>>(TrafficTotals.Slots * 2);
        foreach (var kind in (ReadOnlySpan<TrafficKind>)[TrafficKind.Audio, TrafficKind.Video])
        {
            foreach (var tx in (ReadOnlySpan<Transmission>)[Transmission.Original, Transmission.Retransmit])
            {
                var slot = TrafficTotals.Slot(kind, tx);
                var k = MetricTags.Tag(MetricLabels.Kind, MetricLabels.KindName(kind));
                var x = MetricTags.Tag(MetricLabels.TransmissionLabel, MetricLabels.TransmissionName(tx));
                list.Add(_tags.M(inbound[slot], MetricTags.Tag(MetricLabels.Direction, MetricLabels.In), k, x));
                list.Add(_tags.M(outbound[slot], MetricTags.Tag(MetricLabels.Direction, MetricLabels.Out), k, x));
            }
        }

        return list;
    }

}
