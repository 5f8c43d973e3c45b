using System.Numerics;

namespace DigitalWeRoom.Sfu.Transport.Buffers;

/// <summary>
/// A bounded pool of <see cref="PooledPacket"/>s. It keeps at most <c>maxRetained</c> idle packets (rounded up to a
/// power of two) in a ring made once, at construction: when empty it allocates a new packet, so renting never fails,
/// and returns above the bound are left to the GC. Nothing else is allocated after construction: the
/// <c>ConcurrentQueue</c> it used before grew a segment twice as large (33 KB at 2,048) whenever the idle count
/// reached a new high, on whichever thread returned the packet (a send worker, a receive loop). Counters let tests
/// assert that every rented packet came back (no leak).
/// </summary>
public sealed class PacketPool
{
    // Null when nothing is retained. The ring's bound replaces an idle count that every rent and return wrote: one
    // more cache line written per packet by the receive loop's core (rent) and the send worker's (last release).
    private readonly BoundedRing<PooledPacket>? _idle;
    // Rented (0), returned (1), allocated (2), per core: a receive loop rents and a send worker on another core often
    // returns (the last reference), so shared counter fields would bounce between them per packet.
    private readonly PerCoreCounters _counts = new(3);

    public PacketPool(int maxRetained = 4096, int preallocate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetained);
        _idle = maxRetained == 0 ? null : new BoundedRing<PooledPacket>((int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(2, maxRetained)));
        for (int i = 0; i < Math.Min(preallocate, maxRetained) && _idle!.TryEnqueue(new PooledPacket(this)); i++)
        {
            _counts.Add(2, 1);
        }
    }

    public long Rented => _counts.Sum(0);

    public long Returned => _counts.Sum(1);

    /// <summary>Packets rented and not yet released by their last owner.</summary>
    public long Outstanding => Rented - Returned;

    /// <summary>Packets ever allocated by this pool (growth indicator).</summary>
    public long Allocated => _counts.Sum(2);

    public PooledPacket Rent()
    {
        if (_idle is null || !_idle.TryDequeue(out var packet))
        {
            packet = new PooledPacket(this);
            _counts.Add(2, 1);
        }
        packet.OnRent();
        _counts.Add(0, 1);
        return packet;
    }

    internal void Return(PooledPacket packet)
    {
        _counts.Add(1, 1);
        // Full: left to the GC.
        _ = _idle?.TryEnqueue(packet);
    }
}
