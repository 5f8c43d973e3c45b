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
    private long _rented;
    private long _returned;
    private long _allocated;

    public PacketPool(int maxRetained = 4096, int preallocate = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetained);
        _maxRetained = maxRetained;
        for (int i = 0; i < Math.Min(preallocate, maxRetained); i++)
        {
            _idle.Enqueue(new PooledPacket(this));
            _idleCount++;
            _allocated++;
        }
    }

    public long Rented => Interlocked.Read(ref _rented);

    public long Returned => Interlocked.Read(ref _returned);

    /// <summary>Packets rented and not yet released by their last owner.</summary>
    public long Outstanding => Rented - Returned;

    /// <summary>Packets ever allocated by this pool (growth indicator).</summary>
    public long Allocated => Interlocked.Read(ref _allocated);

    public PooledPacket Rent()
    {
        if (_idle.TryDequeue(out var packet))
        {
            Interlocked.Decrement(ref _idleCount);
        }
        else
        {
            packet = new PooledPacket(this);
            Interlocked.Increment(ref _allocated);
        }
        packet.OnRent();
        Interlocked.Increment(ref _rented);
        return packet;
    }

    internal void Return(PooledPacket packet)
    {
        Interlocked.Increment(ref _returned);
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
