namespace DigitalWeRoom.Sfu.Transport.Buffers;

/// <summary>
/// One datagram's bytes, rented from a <see cref="PacketPool"/> and shared by reference count.
/// The receive loop rents it (count 1), every listener that keeps it past its callback calls
/// <see cref="AddRef"/>, and each owner calls <see cref="Release"/> once; the last release returns
/// it to the pool. The buffer is <see cref="MaxDatagramSize"/> plus <see cref="Headroom"/> bytes so an
/// SRTP tag can be appended in place.
/// </summary>
public sealed class PooledPacket
{
    /// <summary>Largest datagram accepted from the network (an Ethernet MTU).</summary>
    public const int MaxDatagramSize = 1500;

    /// <summary>Spare bytes after the datagram for in-place SRTP protection (tag, MKI, SRTCP index).</summary>
    public const int Headroom = 64;

    public const int Capacity = MaxDatagramSize + Headroom;

    private readonly PacketPool? _pool;
    private int _references;

    internal PooledPacket(PacketPool? pool)
    {
        _pool = pool;
        Buffer = new byte[Capacity];
    }

    /// <summary>The whole buffer (capacity bytes); the packet is the first <see cref="Length"/>.</summary>
    public byte[] Buffer { get; }

    /// <summary>Valid bytes at the start of <see cref="Buffer"/>.</summary>
    public int Length { get; set; }

    /// <summary>
    /// When the packet entered the media path (a <see cref="TimeProvider"/> timestamp; 0: not stamped). Stamped by the
    /// media router on receive and read by the send loop for the sampled forward-latency metric.
    /// </summary>
    public long ReceivedAt { get; set; }

    /// <summary>The valid bytes.</summary>
    public Span<byte> Span => Buffer.AsSpan(0, Length);

    public Memory<byte> Memory => Buffer.AsMemory(0, Length);

    /// <summary>Current reference count (for tests and assertions).</summary>
    public int References => Volatile.Read(ref _references);

    internal void OnRent()
    {
        Length = 0;
        ReceivedAt = 0;
        Volatile.Write(ref _references, 1);
    }

    /// <summary>Takes one more reference; the caller must <see cref="Release"/> it later.</summary>
    public void AddRef()
    {
        int after = Interlocked.Increment(ref _references);
        if (after <= 1)
        {
            ThrowHelper.ThrowInvalidOperation("AddRef on a released packet.");
        }
    }

    /// <summary>
    /// Takes <paramref name="count"/> more references at once (a fan-out takes one per subscriber in one atomic add,
    /// so the count's cache line is written once per packet, not once per subscriber while other cores read it).
    /// </summary>
    public void AddRef(int count)
    {
        if (count <= 0)
        {
            return;
        }
        int after = Interlocked.Add(ref _references, count);
        if (after <= count)
        {
            ThrowHelper.ThrowInvalidOperation("AddRef on a released packet.");
        }
    }

    /// <summary>Drops one reference; the last one returns the packet to its pool.</summary>
    public void Release() => Release(1);

    /// <summary>Drops <paramref name="count"/> references; the last one returns the packet to its pool.</summary>
    public void Release(int count)
    {
        if (count <= 0)
        {
            return;
        }
        int after = Interlocked.Add(ref _references, -count);
        if (after == 0)
        {
            _pool?.Return(this);
        }
        else if (after < 0)
        {
            ThrowHelper.ThrowInvalidOperation("Packet released more times than referenced.");
        }
    }
}
