using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Media.Speech;
using DigitalWeRoom.Sfu.Media.Streams;

namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>
/// Congestion control's decision for one subscriber transport: its send-side estimate split across its consumers by
/// the <see cref="LayerAllocator"/> (audio first, then the active speaker, pinned and larger tiles), each simulcast
/// consumer's layer capped accordingly (dynacast follows the cap), and the videos whose lowest layer does not fit
/// paused and resumed one at a time by the <see cref="BandwidthPauser"/>. Runs on the subscriber's receive loop
/// (transport-cc/REMB feedback) or room control, serialized by its own lock; the scratch arrays are its state.
/// </summary>
public sealed class BandwidthAllocation
{
    private readonly MediaTransport _owner;
    private readonly RoomSpeakers _speakers;
    private readonly ILayerDemandListener _dynacast;
    private readonly MediaCounters _counters;
    private readonly TimeProvider _time;
    private readonly bool _pauseVideo;
    private readonly IMediaTransportListener? _listener;

    internal BandwidthAllocation(MediaTransport owner, RoomSpeakers speakers, ILayerDemandListener dynacast, MediaCounters counters, TimeProvider time,
        bool pauseVideo, IMediaTransportListener? listener)
    {
        _owner = owner;
        _speakers = speakers;
        _dynacast = dynacast;
        _counters = counters;
        _time = time;
        _pauseVideo = pauseVideo;
        _listener = listener;
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
    public void Allocate(double estimateBps)
    {
        lock (_allocationGate)
        {
            AllocateLocked(estimateBps);
        }
    }

    private void AllocateLocked(double estimateBps)
    {
        var consumers = _owner.Consumers;
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
        string? speaker = _speakers.ActiveSpeakerTransportId;
        long now = _time.GetTimestamp();
        long frequency = _time.TimestampFrequency;
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
        if (!_pauseVideo)
        {
            for (int i = 0; i < consumers.Length; i++) _paused[i] = false;
        }
        bool pauses = _pauseVideo && Pauser.Apply(
            estimateBps, demands, _layers.AsSpan(0, consumers.Length), _order.AsSpan(0, videos), _current.AsSpan(0, consumers.Length),
            _paused.AsSpan(0, consumers.Length), _pausedSince.AsSpan(0, consumers.Length), MediaClock.Convert(now, frequency, 1_000_000));
        _owner.Bandwidth.WantedBps = NextStepBitrate(demands, _layers.AsSpan(0, consumers.Length), _order.AsSpan(0, videos));
        for (int i = 0; i < consumers.Length; i++)
        {
            var c = consumers[i];
            if (demands[i].IsAudio) continue;
            c.BandwidthPausedSince = _pausedSince[i];
            if (c.IsBandwidthPaused != _paused[i] && !c.IsClosed)
            {
                c.SetBandwidthPaused(_paused[i]);
                _counters.OnBandwidthPause(_paused[i]);
            }
            // Unwanted (-1 from MaxLayer) and paused videos keep a lowest-layer cap: what they get when they come back.
            int layer = Math.Max(0, _layers[i]);
            if (c.Simulcast is { } s && s.BandwidthLayer != layer)
            {
                int before = s.TargetLayer;
                s.BandwidthLayer = layer;
                // Dynacast follows what is actually forwarded: the publisher must keep encoding the capped layer.
                if (s.TargetLayer != before && !c.IsClosed) _dynacast.OnPreferredLayerChanged(c);
            }
        }
        if (pauses) _listener?.OnBandwidthPausesChanged(_owner);
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
}
