using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Streams;

/// <summary>One cached packet: a reference on the publisher packet and the header values a consumer needs.</summary>
public readonly record struct CachedPacket(PooledPacket Packet, ushort SequenceNumber, uint Timestamp, byte PayloadType, int PayloadLength);

/// <summary>Receives the packets a <see cref="KeyFrameCache"/> replays (a consumer).</summary>
public interface IKeyFrameCacheTarget
{
    void OnCachedPacket(in CachedPacket packet);
}

/// <summary>
/// The latest key frame of one video stream and the frames after it, as references on the publisher's packets:
/// from the first packet of a key frame until a bound (packets, duration, too many holes). Packets lost on the way
/// leave holes that late or RTX-repaired arrivals fill; the key frame counts as held once all its packets are.
/// A new or resumed consumer is sent these at once (<see cref="TryReplay"/>) so its decoder has a picture before the
/// publisher answers the PLI. Fed (after fan-out) and replayed on the publisher's receive loop; <see cref="Clear"/>
/// may come from room control, hence the (uncontended) lock.
/// </summary>
public sealed class KeyFrameCache
{
    private readonly object _gate = new();
    private readonly CachedPacket[] _packets;
    private const int MaxHoles = 64;

    private readonly uint _maxDurationRtp;
    private int _count;
    private int _holes;
    private uint _keyTimestamp;
    private ushort _firstSeq;
    private ushort _lastSeq;
    private ushort _keyEndSeq;
    private ushort _lastMarkerSeq;
    private bool _haveKeyEnd;
    private bool _keyFrameComplete;
    private bool _haveMarker;
    private bool _collecting;
    private bool _truncated;
    private bool _closed;

    public KeyFrameCache(int maxPackets, TimeSpan maxDuration, int clockRate)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPackets, 1);
        _packets = new CachedPacket[maxPackets];
        _maxDurationRtp = (uint)Math.Min(maxDuration.TotalSeconds * clockRate, int.MaxValue);
    }

    /// <summary>Packets held (each one reference).</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _count;
        }
    }

    /// <summary>True when a whole key frame (first packet through its marker, no hole) is held.</summary>
    public bool HasKeyFrame
    {
        get
        {
            lock (_gate) return IsKeyFrameComplete();
        }
    }

    /// <summary>
    /// True when a whole key frame is held and the run is still growing with the live stream (not cut by a bound),
    /// so a replay ahead of the next live packet normally continues into it (see <see cref="TryReplay"/>).
    /// </summary>
    public bool IsLive
    {
        get
        {
            lock (_gate) return !_closed && !_truncated && IsKeyFrameComplete();
        }
    }

    /// <summary>A key frame has started arriving and is not whole yet (the rest, or a repair, is on its way).</summary>
    public bool IsArriving
    {
        get
        {
            lock (_gate) return !_closed && _collecting && !_truncated && !_keyFrameComplete;
        }
    }

    /// <summary>
    /// True when a whole key frame is held and <paramref name="nextLiveSeq"/> is newer than the run (a packet
    /// older than it, reordered or repaired, is no place to replay ahead of).
    /// </summary>
    public bool CanReplayBefore(ushort nextLiveSeq)
    {
        lock (_gate) return !_closed && IsKeyFrameComplete() && (short)(nextLiveSeq - _lastSeq) > 0;
    }

    /// <summary>Sequence number of the last packet held.</summary>
    public ushort LastSequenceNumber
    {
        get
        {
            lock (_gate) return _lastSeq;
        }
    }

    /// <summary>Receive loop, after fan-out: keeps the packet when it starts or continues the cached run.</summary>
    public void OnPacket(PooledPacket packet, in RtpPacketView view, bool isKeyFrame)
    {
        lock (_gate)
        {
            if (_closed) return;
            ushort seq = view.SequenceNumber;
            uint timestamp = view.Timestamp;
            // A key frame can span packets that each look like a key-frame start (H.264 SPS/PPS/IDR).
            bool continuesKeyFrame = _collecting && !_truncated && timestamp == _keyTimestamp && seq == (ushort)(_lastSeq + 1);
            if (isKeyFrame && !continuesKeyFrame)
            {
                ClearLocked();
                _collecting = true;
                _keyTimestamp = timestamp;
                Append(packet, view);
                return;
            }
            if (!_collecting || _truncated) return;
            int ahead = (short)(seq - _lastSeq);
            if (ahead <= 0)
            {
                // Late or repaired: fills a hole of the run (duplicates and older packets are ignored).
                if (_holes > 0 && (short)(seq - _firstSeq) > 0 && !Contains(seq) && _count < _packets.Length)
                {
                    _holes--;
                    Append(packet, view);
                }
                return;
            }
            if (_count == _packets.Length || timestamp - _keyTimestamp > _maxDurationRtp || _holes + ahead - 1 > MaxHoles)
            {
                if (!IsKeyFrameComplete())
                {
                    ClearLocked(); // The key frame itself is incomplete: useless.
                    return;
                }
                _truncated = true;
                return;
            }
            _holes += ahead - 1;
            Append(packet, view);
        }
    }

    /// <summary>
    /// Sends the cached run to <paramref name="target"/> when it holds a whole key frame; false otherwise.
    /// <paramref name="continuesInto"/> is true when the run reaches right up to <paramref name="nextLiveSeq"/>
    /// (the live stream continues it seamlessly); otherwise only whole frames are sent (with
    /// <paramref name="keyFrameOnlyIfStale"/> only the key frame) and the consumer must wait for the next key frame.
    /// </summary>
    public bool TryReplay(IKeyFrameCacheTarget target, ushort nextLiveSeq, out bool continuesInto, bool keyFrameOnlyIfStale = false)
    {
        lock (_gate)
        {
            continuesInto = false;
            if (_closed || !IsKeyFrameComplete()) return false;
            continuesInto = !_truncated && (ushort)(_lastSeq + 1) == nextLiveSeq;
            // Otherwise only whole frames: up to the last marker (or the key frame's).
            int limit = continuesInto ? (ushort)(_lastSeq - _firstSeq)
                : keyFrameOnlyIfStale ? (ushort)(_keyEndSeq - _firstSeq)
                : (ushort)(_lastMarkerSeq - _firstSeq);
            for (int i = 0; i < _count; i++)
            {
                if ((ushort)(_packets[i].SequenceNumber - _firstSeq) <= limit) target.OnCachedPacket(_packets[i]);
            }
            return true;
        }
    }

    /// <summary>Releases every packet; with <paramref name="close"/> later packets are ignored.</summary>
    public void Clear(bool close = false)
    {
        lock (_gate)
        {
            _closed |= close;
            ClearLocked();
        }
    }

    private void Append(PooledPacket packet, in RtpPacketView view)
    {
        ushort seq = view.SequenceNumber;
        packet.AddRef();
        if (_count == 0) _firstSeq = seq;
        _packets[_count++] = new CachedPacket(packet, seq, view.Timestamp, view.PayloadType, view.Payload.Length);
        if (_count == 1 || (short)(seq - _lastSeq) > 0) _lastSeq = seq;
        if (view.Marker)
        {
            if (!_haveMarker || (short)(seq - _lastMarkerSeq) > 0) _lastMarkerSeq = seq;
            _haveMarker = true;
            if (view.Timestamp == _keyTimestamp)
            {
                _keyEndSeq = seq;
                _haveKeyEnd = true;
            }
        }
        // Checked once per packet only until the key frame is whole (its holes can be filled after the marker).
        if (_haveKeyEnd && !_keyFrameComplete) _keyFrameComplete = CountKeyFramePackets();
    }

    private bool Contains(ushort seq)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_packets[i].SequenceNumber == seq) return true;
        }
        return false;
    }

    /// <summary>The key frame's marker has arrived and every packet from the first to it is held.</summary>
    private bool IsKeyFrameComplete() => _keyFrameComplete;

    private bool CountKeyFramePackets()
    {
        int span = (ushort)(_keyEndSeq - _firstSeq);
        int held = 0;
        for (int i = 0; i < _count; i++)
        {
            if ((ushort)(_packets[i].SequenceNumber - _firstSeq) <= span) held++;
        }
        return held == span + 1;
    }

    private void ClearLocked()
    {
        for (int i = 0; i < _count; i++)
        {
            _packets[i].Packet.Release();
            _packets[i] = default;
        }
        _count = 0;
        _holes = 0;
        _collecting = false;
        _haveKeyEnd = false;
        _keyFrameComplete = false;
        _haveMarker = false;
        _truncated = false;
    }
}
