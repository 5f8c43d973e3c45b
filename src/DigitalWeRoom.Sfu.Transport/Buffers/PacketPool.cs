namespace DigitalWeRoom.Sfu.Transport.Buffers;

/// <summary>
/// A bounded pool of <see cref="PooledPacket"/>s. It keeps at most <c>maxRetained</c> idle packets;
/// when empty it allocates a new one, so renting never fails, and returns above the bound are left to
/// the GC. Counters let tests assert that every rented packet came back (no leak).
/// </summary>
public sealed class PacketPool
{
    private readonly ConcurrentQueue<PooledPacket> _idle = new();
    private readonly int _maxRetained;
    private int _idleCount;
    // Rented (0), returned (1), allocated (2), per core: a receive loop rents and a send worker on another core often
    // returns (the last reference), so shared counter fields would bounce between them per packet.
    private readonly PerCoreCounters _counts = new(3);

    public PacketPool(int maxRetained = 4096, int preallocate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetained);
        _maxRetained = maxRetained;
        for (int i = 0; i < Math.Min(preallocate, maxRetained); i++)
        {
            _idle.Enqueue(new PooledPacket(this));
            _idleCount++;
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
        if (_idle.TryDequeue(out var packet))
        {
            Interlocked.Decrement(ref _idleCount);
        }
        else
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
        if (Interlocked.Increment(ref _idleCount) <= _maxRetained)
        {
            _idle.Enqueue(packet);
        }
        else
        {
            Interlocked.Decrement(ref _idleCount);
        }
    }
}
