using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.LoadTest.Stats;

/// <summary>
/// What one subscriber got of one publisher's simulcast video, checked as the server promises it: one output SSRC,
/// RTP sequence numbers continuous across layer switches (RFC 3550 §5.1: no gap, no duplicate), the first packet
/// the start of a key frame, every switch on the first packet of a key frame of the new layer, VP8 PictureIDs
/// (RFC 7741 §4.2) +1 per frame across switches. The layer of each packet comes from the payload stamp, so the
/// check needs nothing from the server. One writer (the subscriber's receive thread); readers take a snapshot.
/// </summary>
internal sealed class VideoReceiveCheck
{
    public const int MaxLayers = 4;
    private readonly object _gate = new();
    private readonly long[] _packets = new long[MaxLayers];
    private readonly long[] _bytes = new long[MaxLayers];
    private readonly List<LayerSwitch> _switches = [];
    private long _highest = -1;
    private ulong _recent; // bit i = highest - i seen
    private int _lastPictureId = -1;

    public uint Ssrc { get; private set; }

    public int SsrcChanges { get; private set; }

    public long Packets { get; private set; }

    public long Bytes { get; private set; }

    /// <summary>RTP sequence numbers skipped (packets lost, or not sent by a server that fails to close gaps).</summary>
    public long SequenceGaps { get; private set; }

    public long Duplicates { get; private set; }

    public long Reordered { get; private set; }

    /// <summary>Frames whose PictureID was not the previous one + 1 (mod 2^15).</summary>
    public long PictureIdJumps { get; private set; }

    public long FramesWithPictureId { get; private set; }

    public long KeyFrames { get; private set; }

    /// <summary>Whether the very first packet was the first packet of a key frame; null before any packet.</summary>
    public bool? FirstWasKeyFrame { get; private set; }

    public int CurrentLayer { get; private set; } = -1;

    /// <summary>Latency of the packets recorded since <see cref="StartWindow"/> (or all, without a window).</summary>
    public LatencyHistogram Latency { get; private set; } = new();

    /// <summary>Packets, gaps, duplicates and reordered packets since <see cref="StartWindow"/> (the run's measured window).</summary>
    public long WindowPackets => Packets - _atWindow.Packets;

    public long WindowSequenceGaps => Math.Max(0, SequenceGaps - _atWindow.Gaps);

    public long WindowDuplicates => Duplicates - _atWindow.Duplicates;

    public long WindowReordered => Reordered - _atWindow.Reordered;

    private (long Packets, long Gaps, long Duplicates, long Reordered) _atWindow;

    /// <summary>
    /// The receive thread: the run's measured window begins; counts and latency start again from here, while the
    /// checks of sequence and layer switches carry on across it.
    /// </summary>
    public void StartWindow()
    {
        _atWindow = (Packets, SequenceGaps, Duplicates, Reordered);
        Latency = new LatencyHistogram();
    }

    public long PacketsOfLayer(int layer) => (uint)layer < MaxLayers ? Interlocked.Read(ref _packets[layer]) : 0;

    public long BytesOfLayer(int layer) => (uint)layer < MaxLayers ? Interlocked.Read(ref _bytes[layer]) : 0;

    public IReadOnlyList<LayerSwitch> Switches
    {
        get
        {
            lock (_gate) return [.. _switches];
        }
    }

    /// <summary>Accounts one plain RTP packet (header included) of layer <paramref name="layer"/>.</summary>
    /// <param name="recordLatency">False for a packet sent before the measured window: checked and counted, its latency not recorded.</param>
    public void OnPacket(ReadOnlySpan<byte> rtp, int layer, bool keyFrameStart, long latencyMicros, bool recordLatency = true)
    {
        ushort seq = BinaryPrimitives.ReadUInt16BigEndian(rtp[2..]);
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(rtp[8..]);
        bool continuous = true;
        if (Packets == 0)
        {
            Ssrc = ssrc;
            FirstWasKeyFrame = keyFrameStart;
            _highest = seq;
            _recent = 1;
        }
        else
        {
            if (ssrc != Ssrc)
            {
                SsrcChanges++;
                Ssrc = ssrc;
            }
            int delta = (short)(seq - (ushort)_highest);
            if (delta > 0)
            {
                continuous = delta == 1;
                SequenceGaps += delta - 1;
                _recent = delta >= 64 ? 1 : (_recent << delta) | 1;
                _highest += delta;
            }
            else if (-delta < 64 && (_recent & (1UL << -delta)) != 0)
            {
                Duplicates++;
                return;
            }
            else
            {
                // A late packet fills a gap counted before.
                Reordered++;
                SequenceGaps = Math.Max(0, SequenceGaps - 1);
                if (-delta < 64) _recent |= 1UL << -delta;
                continuous = false;
            }
        }
        Packets++;
        Bytes += rtp.Length;
        if ((uint)layer < MaxLayers)
        {
            Interlocked.Increment(ref _packets[layer]);
            Interlocked.Add(ref _bytes[layer], rtp.Length);
        }
        if (keyFrameStart) KeyFrames++;
        if (recordLatency) Latency.Record(latencyMicros);
        CheckPictureId(rtp, out bool pictureIdContinuous);
        if (layer != CurrentLayer)
        {
            if (CurrentLayer >= 0)
            {
                lock (_gate)
                {
                    if (_switches.Count < 1000) _switches.Add(new LayerSwitch(CurrentLayer, layer, keyFrameStart, continuous, pictureIdContinuous, Packets));
                }
            }
            CurrentLayer = layer;
        }
    }

    /// <summary>RFC 7741 §4.2: on the first packet of a frame (S=1, PID 0), PictureID must be the last + 1.</summary>
    private void CheckPictureId(ReadOnlySpan<byte> rtp, out bool continuous)
    {
        continuous = true;
        int at = 12 + (4 * (rtp[0] & 0x0F));
        if ((rtp[0] & 0x10) != 0)
        {
            if (rtp.Length < at + 4) return;
            at += 4 + (4 * BinaryPrimitives.ReadUInt16BigEndian(rtp[(at + 2)..]));
        }
        if (rtp.Length < at + 4) return;
        byte first = rtp[at];
        if ((first & 0x10) == 0 || (first & 0x0F) != 0 || (first & 0x80) == 0 || (rtp[at + 1] & 0x80) == 0) return;
        int pictureId = (rtp[at + 2] & 0x80) != 0 ? BinaryPrimitives.ReadUInt16BigEndian(rtp[(at + 2)..]) & 0x7FFF : rtp[at + 2] & 0x7F;
        FramesWithPictureId++;
        if (_lastPictureId >= 0 && pictureId != ((_lastPictureId + 1) & 0x7FFF))
        {
            PictureIdJumps++;
            continuous = false;
        }
        _lastPictureId = pictureId;
    }
}

/// <summary>A change of the layer forwarded: whether it began on a key frame with the next sequence number and PictureID.</summary>
internal readonly record struct LayerSwitch(int From, int To, bool AtKeyFrame, bool SequenceContinuous, bool PictureIdContinuous, long AtPacket);
