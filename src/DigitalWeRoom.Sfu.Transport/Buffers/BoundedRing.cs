using System.Runtime.InteropServices;

namespace DigitalWeRoom.Sfu.Transport.Buffers;

/// <summary>
/// A bounded lock-free FIFO ring: Vyukov's bounded MPMC queue. Each cell carries a sequence number that says whose
/// turn it is, so a full or empty ring is seen without a lock and nothing is allocated after construction (a
/// <c>ConcurrentQueue</c> allocates a segment twice as large whenever its count reaches a new high, on whichever thread
/// enqueues). Used for a transport's items waiting in its send worker (any thread enqueues, the worker dequeues, an
/// enqueuer that finds it full takes the oldest out itself) and for a <see cref="PacketPool"/>'s idle packets.
/// </summary>
public sealed class BoundedRing<T>
{
    private readonly Cell[] _cells;
    private readonly long _mask;
    private PaddedLong _enqueuePosition;
    private PaddedLong _dequeuePosition;

    public BoundedRing(int capacity)
    {
        if (capacity < 2 || (capacity & (capacity - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, "A power of two, at least 2.");
        }
        _cells = new Cell[capacity];
        _mask = capacity - 1;
        for (int i = 0; i < capacity; i++)
        {
            _cells[i].Sequence = i;
        }
    }

    public int Capacity => _cells.Length;

    /// <summary>Entries waiting (a snapshot; exact only when no thread is enqueuing or dequeuing).</summary>
    public int Count => (int)Math.Clamp(Volatile.Read(ref _enqueuePosition.Value) - Volatile.Read(ref _dequeuePosition.Value), 0, _cells.Length);

    public bool IsEmpty => Volatile.Read(ref _enqueuePosition.Value) == Volatile.Read(ref _dequeuePosition.Value);

    /// <summary>False when full.</summary>
    public bool TryEnqueue(in T item)
    {
        long position = Volatile.Read(ref _enqueuePosition.Value);
        while (true)
        {
            ref Cell cell = ref _cells[position & _mask];
            long sequence = Volatile.Read(ref cell.Sequence);
            long difference = sequence - position;
            if (difference == 0)
            {
                if (Interlocked.CompareExchange(ref _enqueuePosition.Value, position + 1, position) == position)
                {
                    cell.Item = item;
                    Volatile.Write(ref cell.Sequence, position + 1);
                    return true;
                }
            }
            else if (difference < 0)
            {
                return false;
            }
            position = Volatile.Read(ref _enqueuePosition.Value);
        }
    }

    /// <summary>Takes the oldest entry; false when empty (or its writer has not finished writing it).</summary>
    public bool TryDequeue(out T item)
    {
        long position = Volatile.Read(ref _dequeuePosition.Value);
        while (true)
        {
            ref Cell cell = ref _cells[position & _mask];
            long sequence = Volatile.Read(ref cell.Sequence);
            long difference = sequence - (position + 1);
            if (difference == 0)
            {
                if (Interlocked.CompareExchange(ref _dequeuePosition.Value, position + 1, position) == position)
                {
                    item = cell.Item;
                    // Drop the references so nothing is held by an old cell.
                    cell.Item = default!;
                    Volatile.Write(ref cell.Sequence, position + _mask + 1);
                    return true;
                }
            }
            else if (difference < 0)
            {
                item = default!;
                return false;
            }
            position = Volatile.Read(ref _dequeuePosition.Value);
        }
    }

    private struct Cell
    {
        public long Sequence;
        public T Item;
    }
}

/// <summary>A position on its own cache line, so enqueuers and dequeuers do not false-share (outside the generic ring: a generic type cannot have an explicit layout).</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PaddedLong
{
    [FieldOffset(64)]
    public long Value;
}
