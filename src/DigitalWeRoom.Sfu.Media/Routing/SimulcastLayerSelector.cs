using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Protocols.Codecs;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>What a simulcast consumer does with one packet of one of its layers.</summary>
public enum LayerDecision : byte
{
    /// <summary>Not the forwarded layer (or a temporal/spatial layer above the target): skip.</summary>
    Drop = 0,

    /// <summary>Forward with the current seq/timestamp mapping.</summary>
    Forward = 1,

    /// <summary>First packet (a key frame) of a newly selected layer: resync seq/timestamp, then forward.</summary>
    ForwardSwitched = 2,
}

/// <summary>
/// Layer choice of one simulcast consumer (RFC 8853 encodings, each its own RTP stream / producer, lowest first).
/// Target = min(<see cref="PreferredLayer"/> from the page's tile size, <see cref="BandwidthLayer"/> from the
/// subscriber's <c>Congestion.LayerAllocator</c>). The consumer keeps forwarding the current layer until a key
/// frame of the target layer arrives, then switches on that key frame (a key frame for the target is requested
/// while waiting, at most once per second). Also keeps VP8 PictureID / TL0PICIDX continuous across switches
/// (RFC 7741 §4.2), drops VP8/VP9 temporal layers above <see cref="MaxTemporalLayer"/> and VP9 spatial layers
/// above <see cref="MaxSpatialLayer"/> (RFC 9628 §4.2, SVC in one stream), and counts the packets it drops on
/// purpose so output sequence numbers stay gap-free (<see cref="SequenceAdjust"/>).
/// Packet methods run on the publisher's receive loop; the two setters on any thread (volatile ints).
/// </summary>
public sealed class SimulcastLayerSelector
{
    private const int KeyFrameRetrySeconds = 1;

    /// <summary>A layer that sent nothing for this long is treated as stopped (see <see cref="ActiveTarget"/>).</summary>
    private const int SilentLayerMilliseconds = 1000;

    private readonly Producer[] _layers;
    private volatile int _preferred;
    private volatile int _bandwidth = int.MaxValue;
    private volatile int _maxTemporal = int.MaxValue;
    private volatile int _maxSpatial = int.MaxValue;
    private long _lastRequest = long.MinValue;
    private int _lastRequestTarget = -1;
    private int _current = -1;

    // VP8 continuity (output = input + offset).
    private bool _vp8Started;
    private ushort _pictureIdOffset;
    private byte _tl0Offset;
    private ushort _lastPictureId;
    private byte _lastTl0;
    private bool _pictureIdResync;

    public SimulcastLayerSelector(Producer[] layers, int preferredLayer)
    {
        if (layers.Length == 0) throw new ArgumentException("At least one layer.", nameof(layers));
        _layers = layers;
        _preferred = preferredLayer;
    }

    public ReadOnlySpan<Producer> Layers => _layers;

    /// <summary>Layer being forwarded; -1 before the first key frame.</summary>
    public int CurrentLayer => _current;

    public int PreferredLayer
    {
        get => _preferred;
        set => _preferred = value;
    }

    /// <summary>Highest layer the bandwidth allocation allows (int.MaxValue: unconstrained; -1: none).</summary>
    public int BandwidthLayer
    {
        get => _bandwidth;
        set => _bandwidth = value;
    }

    public int MaxTemporalLayer
    {
        get => _maxTemporal;
        set => _maxTemporal = value;
    }

    public int MaxSpatialLayer
    {
        get => _maxSpatial;
        set => _maxSpatial = value;
    }

    public int TargetLayer => Math.Min(Math.Min(_preferred, _bandwidth), _layers.Length - 1);

    /// <summary>
    /// The wanted layer (<see cref="TargetLayer"/>) is not arriving, so a lower one is forwarded (see
    /// <see cref="ActiveTarget"/>); false until a packet was judged. Dynacast then keeps the layers below the target
    /// encoded: a 640x480 camera never sends its top layer, and a subscriber left with only the lowest one (or a layer
    /// that a stray key frame made look alive for a second before it stops) sees a small or frozen picture.
    /// </summary>
    public bool TargetSilent => _targetSilent;

    private volatile bool _targetSilent;

    /// <summary>Packets dropped on purpose (temporal/spatial filtering) so far: subtract from output sequence numbers.</summary>
    public ushort SequenceAdjust { get; private set; }

    public long Switches { get; private set; }

    /// <summary>The producer whose key frames the subscriber should get (PLI relay): current layer, else the target.</summary>
    public Producer KeyFrameSource => _layers[_current >= 0 ? _current : Math.Max(0, TargetLayer)];

    /// <summary>Index of the layer whose SSRC is <paramref name="ssrc"/>; -1 if none.</summary>
    public int LayerOf(uint ssrc)
    {
        var layers = _layers;
        for (int i = 0; i < layers.Length; i++)
        {
            if (layers[i].Ssrc == ssrc) return i;
        }
        return -1;
    }

    /// <summary>Forget the current layer (resume, P2P→SFU): wait for a key frame of the target again.</summary>
    public void Reset() => _current = -1;

    /// <summary>
    /// Before the first key frame (no current layer): the layer to start from the key-frame cache, the highest up to
    /// the (active) target whose cache holds a whole key frame, preferring a cache still growing with the live
    /// stream (its replay runs on seamlessly into the live packets) over one cut by its bounds. With
    /// <paramref name="waitForArriving"/>, a key frame still arriving in a layer above the best live one is waited
    /// for (-1): starting elsewhere would pass its start by. -1 when none.
    /// </summary>
    public int CacheStartLayer(long now, long frequency, bool waitForArriving)
    {
        int target = ActiveTarget(now, frequency);
        if (_current >= 0 || target < 0) return -1;
        int complete = -1;
        long silent = frequency * SilentLayerMilliseconds / 1000;
        for (int i = Math.Min(target, _layers.Length - 1); i >= 0; i--)
        {
            var layer = _layers[i];
            if (layer.KeyFrameCache is not { } cache) continue;
            long last = layer.LastPacketAt;
            if (last == 0 || now - last >= silent) continue;
            if (cache.IsLive) return i;
            if (waitForArriving && cache.IsArriving) return -1;
            if (complete < 0 && cache.HasKeyFrame) complete = i;
        }
        return complete;
    }

    /// <summary>Makes <paramref name="layer"/> the forwarded one without a live key frame (its cached key frame is being replayed).</summary>
    public void StartOn(int layer)
    {
        _current = layer;
        _pictureIdResync = true;
        Switches++;
    }

    /// <summary>
    /// Decides for one packet of layer <paramref name="layer"/>. When a key frame of the target is missing, returns
    /// the producer to ask for one in <paramref name="requestKeyFrameFrom"/> (throttled to once a second).
    /// </summary>
    public LayerDecision OnPacket(int layer, bool isKeyFrame, long now, long frequency, out Producer? requestKeyFrameFrom)
    {
        requestKeyFrameFrom = null;
        int target = ActiveTarget(now, frequency);
        bool silent = target >= 0 && target < TargetLayer;
        if (silent != _targetSilent) _targetSilent = silent;
        if (target < 0 || layer < 0)
        {
            return LayerDecision.Drop;
        }
        if (_current == target)
        {
            return layer == _current ? LayerDecision.Forward : LayerDecision.Drop;
        }
        // Start (or restart after a reset) on the first key frame of any layer up to the target: the publisher may
        // not be sending the target yet (its encoder ramps layers up with its own estimate, or dynacast resumes it),
        // and video now at a lower layer beats waiting; the switch up follows on the target's key frame.
        if (isKeyFrame && (layer == target || (_current < 0 && layer < target)))
        {
            _current = layer;
            _pictureIdResync = true;
            Switches++;
            return LayerDecision.ForwardSwitched;
        }
        if (_lastRequest == long.MinValue || target != _lastRequestTarget || now - _lastRequest >= frequency * KeyFrameRetrySeconds)
        {
            _lastRequest = now;
            _lastRequestTarget = target;
            requestKeyFrameFrom = _layers[target];
        }
        return layer == _current ? LayerDecision.Forward : LayerDecision.Drop;
    }

    /// <summary>
    /// The target, lowered past layers the publisher is not sending: a browser drops its upper encodings on its own
    /// when its uplink or CPU is short (or has not ramped them up yet), and a subscriber held on a silent layer would
    /// see no video at all. The wanted layer (<see cref="TargetLayer"/>) stays what dynacast asks the publisher for;
    /// once it arrives again the switch back up happens on its key frame.
    /// </summary>
    private int ActiveTarget(long now, long frequency)
    {
        int target = TargetLayer;
        long silent = frequency * SilentLayerMilliseconds / 1000;
        while (target > 0)
        {
            long last = _layers[target].LastPacketAt;
            if (last != 0 && now - last < silent) break;
            target--;
        }
        return target;
    }

    /// <summary>
    /// For a packet about to be forwarded: whether to drop it as a temporal/spatial layer above the limits (then
    /// the output sequence is shifted down by one for later packets).
    /// </summary>
    public bool DropForLayerLimits(CodecKind codec, ReadOnlySpan<byte> payload)
    {
        int maxT = _maxTemporal, maxS = _maxSpatial;
        if (maxT == int.MaxValue && maxS == int.MaxValue) return false;
        bool drop = false;
        if (codec == CodecKind.Vp8 && Vp8PayloadDescriptor.TryParse(payload, out var vp8, out _))
        {
            drop = vp8.HasTemporalLayerId && vp8.TemporalLayerId > maxT;
        }
        else if (codec == CodecKind.Vp9 && Vp9PayloadDescriptor.TryParse(payload, out var vp9, out _) && vp9.HasLayerIndices)
        {
            drop = vp9.TemporalLayerId > maxT || vp9.SpatialLayerId > maxS;
        }
        if (drop) SequenceAdjust++;
        return drop;
    }

    /// <summary>
    /// VP8: output PictureID / TL0PICIDX for a forwarded packet (continuous across switches). False when the
    /// payload has neither (nothing to rewrite).
    /// </summary>
    public bool TryMapVp8(ReadOnlySpan<byte> payload, out ushort pictureId, out byte tl0PicIdx)
    {
        pictureId = 0;
        tl0PicIdx = 0;
        if (!Vp8PayloadDescriptor.TryParse(payload, out var d, out _) || (!d.HasPictureId && !d.HasTl0PicIdx))
        {
            return false;
        }
        int modulus = d.PictureIdIs15Bit ? 0x8000 : 0x80;
        if (_pictureIdResync)
        {
            _pictureIdResync = false;
            if (_vp8Started)
            {
                _pictureIdOffset = (ushort)((_lastPictureId + 1 - d.PictureId) & 0x7FFF);
                _tl0Offset = (byte)(_lastTl0 + 1 - d.Tl0PicIdx);
            }
        }
        pictureId = (ushort)((d.PictureId + _pictureIdOffset) % modulus);
        tl0PicIdx = (byte)(d.Tl0PicIdx + _tl0Offset);
        if (!_vp8Started || (short)((pictureId - _lastPictureId) << 1) >= 0)
        {
            _lastPictureId = pictureId;
        }
        if (!_vp8Started || (sbyte)(tl0PicIdx - _lastTl0) >= 0)
        {
            _lastTl0 = tl0PicIdx;
        }
        _vp8Started = true;
        return true;
    }
}
