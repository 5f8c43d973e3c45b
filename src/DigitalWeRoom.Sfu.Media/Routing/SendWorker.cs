using System.Runtime.InteropServices;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// One dedicated send thread of a <see cref="SendWorkerPool"/>: the single owner of the transports pinned to it
/// (their SRTP send context, retransmission buffers, pacer and reports). Any thread posts (sender, item) entries to
/// its <see cref="SendRing"/>; the thread drains everything available in one <see cref="EgressBatch"/> scope (one
/// <c>sendmmsg</c> per batch of up to 32 datagrams), spins briefly when the ring runs dry, then sleeps until the
/// next post wakes it — a wake-up per batch, never per packet. A full ring drops its oldest entry (the packet is
/// released, a QueueOverflow drop counted) instead of blocking the publisher's receive loop.
/// </summary>
public sealed class SendWorker : IDisposable
{
    /// <summary>Entries processed per batch scope before the batch is flushed and the loop looks around again.</summary>
    private const int DrainChunk = 64;

    /// <summary>Most empty polls (with <see cref="Thread.SpinWait"/>) before the thread goes to sleep.</summary>
    private const int SpinPolls = 64;

    private readonly SendRing _ring;
    private readonly ManualResetEventSlim _wake = new(false, 0);
    private readonly Thread? _thread;
    private readonly Action<int>? _onStart;
    private int _sleeping;
    // Polls before sleeping now: halved by each spin that found nothing (at a small meeting's rates every spin is
    // wasted CPU), doubled by each that found work (a busy ring: a poll is cheaper than sleeping and being woken).
    private int _spinPolls = SpinPolls;
    private volatile bool _stopping;
    private long _dropped;
    private long _wakeUps;
    // Written by the worker per drain; on a line of their own, apart from _sleeping and _stopping, which every post reads.
    private WorkerLine _line;

    /// <param name="index">Partition number in the pool.</param>
    /// <param name="capacity">Ring entries (a power of two).</param>
    /// <param name="startThread">False (tests): no thread; the test drains with <see cref="DrainChunkOnce"/>.</param>
    /// <param name="onStart">Runs first on the new thread with <paramref name="index"/> (e.g. to pin it to a core).</param>
    internal SendWorker(int index, int capacity, bool startThread, Action<int>? onStart)
    {
        Index = index;
        _onStart = onStart;
        _ring = new SendRing(capacity);
        if (startThread)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = $"dwr-send-{index}" };
            _thread.Start();
        }
    }

    /// <summary>This worker's partition number in its pool (1..N-1; partition 0 is the posting thread itself).</summary>
    public int Index { get; }

    /// <summary>Entries waiting in the ring.</summary>
    public int Backlog => _ring.Count;

    /// <summary>Entries processed so far.</summary>
    public long Processed => Volatile.Read(ref _line.Processed);

    /// <summary>Entries dropped because the ring was full (oldest first).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Bytes the GC counted as allocated on the draining thread while it processed entries (0 in steady state).</summary>
    public long AllocatedBytes => Volatile.Read(ref _line.AllocatedBytes);

    /// <summary>Drains that processed at least one entry: each one <see cref="EgressBatch"/> scope (Processed / Drains = datagrams per <c>sendmmsg</c>, about).</summary>
    public long Drains => Volatile.Read(ref _line.Drains);

    /// <summary>Times a post had to wake the sleeping thread.</summary>
    public long WakeUps => Interlocked.Read(ref _wakeUps);

    /// <summary>
    /// Asleep with nothing queued: everything posted before has been sent (the thread flushes its batch before it
    /// sleeps), so the caller may send for a transport pinned here itself without overtaking anything of the ring.
    /// The ring is read first: if its last dequeue is seen, so is the <c>_sleeping = 0</c> written before it, and a
    /// 1 read after that is the thread's next sleep, after the flush.
    /// </summary>
    internal bool IsAsleep => _ring.IsEmpty && Volatile.Read(ref _sleeping) == 1 && !_stopping;

    /// <summary>Any thread: hands one item to this worker; the sender takes care of releasing a dropped one.</summary>
    internal void Post(SendPath sender, in OutboundItem item)
    {
        if (_stopping)
        {
            // Shutting down: nobody will drain the ring any more.
            sender.OnDroppedFromWorker(item, DropReason.NotConnected);
            return;
        }
        while (!_ring.TryEnqueue(sender, item))
        {
            // Full: the oldest entry goes (the worker is behind; newer media is worth more than older).
            if (_ring.TryDequeue(out var oldSender, out var oldItem))
            {
                Interlocked.Increment(ref _dropped);
                oldSender.OnDroppedFromWorker(oldItem, DropReason.QueueOverflow);
            }
        }
        // The enqueue's CompareExchange is a full fence: the read below cannot move before it (Dekker with Run).
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            Interlocked.Increment(ref _wakeUps);
            _wake.Set();
        }
    }

    private void Run()
    {
        _onStart?.Invoke(Index);
        EgressBatch.KeepOnThisThread();
        // A socket of its own per port socket: the receive loop's core keeps writing the port's socket alone.
        EgressBatch.SendFromOwnSockets(Index);
        while (!_stopping)
        {
            if (DrainChunkOnce() > 0)
            {
                continue;
            }
            int polls = 0;
            while (_ring.IsEmpty && polls++ < _spinPolls && !_stopping)
            {
                Thread.SpinWait(20);
            }
            if (!_ring.IsEmpty)
            {
                _spinPolls = Math.Min(SpinPolls, (_spinPolls * 2) + 1);
                continue;
            }
            _spinPolls >>= 1;
            _wake.Reset();
            Interlocked.Exchange(ref _sleeping, 1);
            if (!_ring.IsEmpty || _stopping)
            {
                Volatile.Write(ref _sleeping, 0);
                continue;
            }
            _wake.Wait();
        }
    }

    /// <summary>Worker thread (or a test, when the pool runs no threads): processes up to one chunk; returns how many.</summary>
    internal int DrainChunkOnce()
    {
        int count = 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        using (EgressBatch.Enter())
        {
            while (count < DrainChunk && _ring.TryDequeue(out var sender, out var item))
            {
                sender.RunOnWorker(item);
                count++;
            }
        }
        if (count > 0)
        {
            // Single writer (this thread): plain writes, published for readers.
            Volatile.Write(ref _line.Processed, _line.Processed + count);
            Volatile.Write(ref _line.AllocatedBytes, _line.AllocatedBytes + GC.GetAllocatedBytesForCurrentThread() - allocated);
            Volatile.Write(ref _line.Drains, _line.Drains + 1);
        }
        return count;
    }

    /// <summary>Stops the thread and releases whatever is still queued (counted as not sent).</summary>
    public void Dispose()
    {
        if (_stopping)
        {
            return;
        }
        _stopping = true;
        _wake.Set();
        if (_thread is not null && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
        while (_ring.TryDequeue(out var sender, out var item))
        {
            sender.OnDroppedFromWorker(item, DropReason.NotConnected);
        }
        // NOTE: _wake is not disposed: a post racing with shutdown may still Set it.
    }

    /// <summary>The worker's own counters, alone on a 64-byte cache line.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct WorkerLine
    {
        [FieldOffset(64)]
        public long Processed;

        [FieldOffset(72)]
        public long AllocatedBytes;

        [FieldOffset(80)]
        public long Drains;
    }
}
