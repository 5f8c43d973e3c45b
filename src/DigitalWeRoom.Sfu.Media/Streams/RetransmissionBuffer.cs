using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Streams;

/// <summary>
/// The packets recently sent on one outgoing stream, kept for retransmission on NACK (RFC 4585 §6.2.1, RFC 4588).
/// A ring indexed by the outgoing (rewritten) sequence number: each slot holds one reference on the shared
/// publisher packet plus the values the send loop wrote over its header (seq, timestamp, payload type), so nothing
/// is copied. Bounded by count (the ring size: a newer sequence number evicts the one a ring length older) and by
/// age (<see cref="EvictExpired"/>); every eviction and <see cref="Close"/> releases the reference.
/// Used by the subscriber's send loop; <see cref="Close"/> may come from room control, hence the (uncontended) lock.
/// </summary>
public sealed class RetransmissionBuffer
{
    private readonly object _gate = new();
    // Allocated by the first packet kept: a consumer that never forwards (paused by last-N: 50 of the 59 cameras each
    // subscriber of a meeting of 60 has) costs no ring (512 slots of 32 bytes for video).
    private Slot[] _slots = [];
    private readonly int _mask;
    private readonly long _maxAgeTicks;
    private readonly long _minResendIntervalTicks;
    private ushort _oldest;
    private ushort _newest;
    private int _count;
    private bool _closed;

    private struct Slot
    {
        public PooledPacket? Packet;
        public long StoredAt;
        public long LastResentAt;
        public uint Timestamp;
        public ushort SequenceNumber;
        public byte PayloadType;
        public bool Resent;
    }

    /// <param name="capacity">Packets kept (rounded up to a power of two, at most 32768).</param>
    /// <param name="maxAge">Packets older than this are evicted and never retransmitted.</param>
    /// <param name="minResendInterval">A packet is retransmitted at most once per this interval.</param>
    public RetransmissionBuffer(int capacity, TimeSpan maxAge, TimeSpan minResendInterval, long timestampFrequency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 32768);
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)capacity);
        _mask = size - 1;
        _maxAgeTicks = (long)(maxAge.TotalSeconds * timestampFrequency);
        _minResendIntervalTicks = (long)(minResendInterval.TotalSeconds * timestampFrequency);
    }

    public int Capacity => _mask + 1;

    /// <summary>Whether the ring exists yet (the first packet kept allocates it).</summary>
    internal bool Allocated => Volatile.Read(ref _slots).Length != 0;

    /// <summary>Packets currently held (each one reference).</summary>
    public int Count
    {
        get
        {
            lock (_gate) return _count;
        }
    }

    /// <summary>
    /// Keeps <paramref name="packet"/> (takes its own reference) as outgoing <paramref name="seq"/>. A sequence
    /// number more than a ring length behind the newest is ignored; a newer one evicts what its slot held.
    /// </summary>
    public void Store(PooledPacket packet, ushort seq, uint timestamp, byte payloadType, long now)
    {
        packet.AddRef();
        if (!Keep(packet, seq, timestamp, payloadType, now))
        {
            packet.Release();
        }
    }

    /// <summary>
    /// <see cref="Store"/> that takes over the caller's reference instead of adding one (the send loop hands over the
    /// reference its queue item held: two atomic operations fewer per packet). False when not kept (closed, or older
    /// than the ring reaches): the caller still owns its reference.
    /// </summary>
    public bool Keep(PooledPacket packet, ushort seq, uint timestamp, byte payloadType, long now)
    {
        lock (_gate)
        {
            if (_closed) return false;
            if (_slots.Length == 0)
            {
                _slots = new Slot[_mask + 1];
            }
            if (_count == 0)
            {
                _oldest = seq;
                _newest = seq;
            }
            else
            {
                int ahead = (short)(seq - _newest);
                if (ahead > 0)
                {
                    _newest = seq;
                    int span = (ushort)(seq - _oldest);
                    if (span >= 2 * _slots.Length)
                    {
                        Clear();
                        _oldest = seq;
                    }
                    else if (span >= _slots.Length)
                    {
                        // Evict by count: everything that falls out of the ring behind the new packet.
                        EvictUpTo((ushort)(seq - _slots.Length + 1));
                        if (_count == 0) _oldest = seq;
                    }
                }
                else if (-ahead >= _slots.Length)
                {
                    return false; // Older than the ring reaches.
                }
                else if ((short)(seq - _oldest) < 0)
                {
                    _oldest = seq;
                }
            }
            ref var slot = ref _slots[seq & _mask];
            if (slot.Packet is not null)
            {
                slot.Packet.Release();
                _count--;
            }
            slot.Packet = packet;
            slot.SequenceNumber = seq;
            slot.Timestamp = timestamp;
            slot.PayloadType = payloadType;
            slot.StoredAt = now;
            slot.Resent = false;
            _count++;
            EvictExpiredLocked(now);
            return true;
        }
    }

    /// <summary>
    /// Finds outgoing <paramref name="seq"/> for a retransmission now; false when it is not held (evicted, never
    /// sent, expired) or was retransmitted less than the minimum interval ago. On success the caller gets its own
    /// reference on the packet (release it when sent) and the slot records the retransmission time.
    /// </summary>
    public bool TryGetForResend(ushort seq, long now, out RetransmissionEntry entry, out bool rateLimited)
    {
        lock (_gate)
        {
            entry = default;
            rateLimited = false;
            if (_slots.Length == 0)
            {
                return false;
            }
            ref var slot = ref _slots[seq & _mask];
            if (slot.Packet is null || slot.SequenceNumber != seq)
            {
                return false;
            }
            if (now - slot.StoredAt > _maxAgeTicks)
            {
                EvictExpiredLocked(now);
                return false;
            }
            if (slot.Resent && now - slot.LastResentAt < _minResendIntervalTicks)
            {
                rateLimited = true;
                return false;
            }
            slot.Resent = true;
            slot.LastResentAt = now;
            slot.Packet.AddRef();
            entry = new RetransmissionEntry(slot.Packet, slot.SequenceNumber, slot.Timestamp, slot.PayloadType);
            return true;
        }
    }

    /// <summary>Evicts (and releases) packets stored longer ago than the maximum age.</summary>
    public void EvictExpired(long now)
    {
        lock (_gate) EvictExpiredLocked(now);
    }

    /// <summary>Releases every packet; later stores are ignored (the stream is closed).</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            Clear();
        }
    }

    /// <summary>Releases every packet; the buffer stays usable.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            for (int i = 0; i < _slots.Length; i++)
            {
                ref var slot = ref _slots[i];
                if (slot.Packet is not null)
                {
                    slot.Packet.Release();
                    slot = default;
                }
            }
            _count = 0;
        }
    }

    private void EvictExpiredLocked(long now)
    {
        // Walk from the oldest sequence number; stop at the first packet young enough. Amortised O(1) per store.
        while (_count > 0)
        {
            ref var slot = ref _slots[_oldest & _mask];
            if (slot.Packet is not null && slot.SequenceNumber == _oldest)
            {
                if (now - slot.StoredAt <= _maxAgeTicks) return;
                slot.Packet.Release();
                slot = default;
                _count--;
            }
            if (_oldest == _newest) return;
            _oldest++;
        }
    }

    private void EvictUpTo(ushort newOldest)
    {
        while (_oldest != newOldest && _count > 0)
        {
            ref var slot = ref _slots[_oldest & _mask];
            if (slot.Packet is not null && slot.SequenceNumber == _oldest)
            {
                slot.Packet.Release();
                slot = default;
                _count--;
            }
            _oldest++;
        }
        _oldest = newOldest;
    }
}

/// <summary>One packet taken from a <see cref="RetransmissionBuffer"/>: a reference on the publisher packet and the rewrite values it was sent with.</summary>
public readonly record struct RetransmissionEntry(PooledPacket Packet, ushort SequenceNumber, uint Timestamp, byte PayloadType);
