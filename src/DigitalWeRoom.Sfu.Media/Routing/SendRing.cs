using System.Runtime.InteropServices;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// A bounded lock-free ring of one transport's items waiting for its <see cref="SendWorker"/> (its
/// <see cref="WorkerInbox"/>): any thread enqueues, the worker dequeues, and an enqueuer that finds it full takes the
/// oldest item out itself (drop oldest). It is Vyukov's bounded MPMC queue: each cell carries a sequence number that
/// says whose turn it is, so a full or empty ring is seen without a lock and nothing is allocated after construction.
/// Multi-consumer because the drop-oldest enqueuer competes with the worker for the head; items still leave in the
/// order they were enqueued.
/// </summary>
internal sealed class SendRing
{
    private readonly Cell[] _cells;
    private readonly long _mask;
    private PaddedLong _enqueuePosition;
    private PaddedLong _dequeuePosition;

    public SendRing(int capacity)
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
    public bool TryEnqueue(in OutboundItem item)
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
    public bool TryDequeue(out OutboundItem item)
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
                    // Drop the references so a packet and its stream are not held by an old cell.
                    cell.Item = default;
                    Volatile.Write(ref cell.Sequence, position + _mask + 1);
                    return true;
                }
            }
            else if (difference < 0)
            {
                item = default;
                return false;
            }
            position = Volatile.Read(ref _dequeuePosition.Value);
        }
    }

    private struct Cell
    {
        public long Sequence;
        public OutboundItem Item;
    }

    /// <summary>A position on its own cache line, so enqueuers and the worker do not false-share.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedLong
    {
        [FieldOffset(64)]
        public long Value;
    }
}
