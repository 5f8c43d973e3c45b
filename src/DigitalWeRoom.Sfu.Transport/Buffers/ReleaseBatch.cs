namespace DigitalWeRoom.Sfu.Transport.Buffers;

/// <summary>
/// Packet releases of one thread gathered for the length of a scope (a send worker's drain chunk, a receive loop's
/// datagram) and applied per packet at its end: one <c>Interlocked.Add</c> of the count instead of one decrement per
/// reference. A publisher's packet is held by every subscriber's retransmission buffer, and the subscribers sent by
/// one thread evict it within the same drain (each evicts the packet a ring length older than the one it sends), so
/// the reference count — a cache line the other core writes too (the fan-out's AddRef, its own subscribers'
/// evictions) — is written once per packet and thread instead of once per subscriber. Releases only ever come later,
/// never sooner: each deferred reference is released exactly once, at the scope's end (or when the batch is full).
/// Outside a scope <see cref="PooledPacket.ReleaseBatched"/> releases at once.
/// </summary>
public sealed class ReleaseBatch
{
    /// <summary>Distinct packets held before the batch releases them all (a drain chunk evicts at most 64 packets).</summary>
    internal const int Capacity = 32;

    [ThreadStatic]
    private static ReleaseBatch? t_batch;

    private readonly PooledPacket?[] _packets = new PooledPacket?[Capacity];
    private readonly int[] _counts = new int[Capacity];
    private int _count;
    private int _depth;

    /// <summary>Opens (or nests into) the calling thread's batch; disposing the outermost scope releases what it holds.</summary>
    public static Scope Enter()
    {
        // Allocated once per thread (a receive loop, a send worker), on its first scope.
        var batch = t_batch ??= new ReleaseBatch();
        batch._depth++;
        return new Scope(batch);
    }

    /// <summary>References held for release by the calling thread's open scope (tests).</summary>
    internal static int PendingOnThisThread
    {
        get
        {
            var batch = t_batch;
            if (batch is null) return 0;
            int total = 0;
            for (int i = 0; i < batch._count; i++) total += batch._counts[i];
            return total;
        }
    }

    /// <summary>False outside a scope: the caller releases itself.</summary>
    internal static bool TryDefer(PooledPacket packet)
    {
        var batch = t_batch;
        if (batch is null || batch._depth == 0)
        {
            return false;
        }
        batch.Add(packet);
        return true;
    }

    private void Add(PooledPacket packet)
    {
        // Newest first: the subscribers of one drain evict the same few packets in turn.
        for (int i = _count - 1; i >= 0; i--)
        {
            if (ReferenceEquals(_packets[i], packet))
            {
                _counts[i]++;
                return;
            }
        }
        if (_count == Capacity)
        {
            ReleaseAll();
        }
        _packets[_count] = packet;
        _counts[_count] = 1;
        _count++;
    }

    private void ReleaseAll()
    {
        for (int i = 0; i < _count; i++)
        {
            var packet = _packets[i]!;
            _packets[i] = null;
            packet.Release(_counts[i]);
        }
        _count = 0;
    }

    /// <summary>An open scope; disposing the outermost one releases every deferred reference.</summary>
    public readonly struct Scope(ReleaseBatch? batch) : IDisposable
    {
        public void Dispose()
        {
            if (batch is not null && --batch._depth == 0)
            {
                batch.ReleaseAll();
            }
        }
    }
}
