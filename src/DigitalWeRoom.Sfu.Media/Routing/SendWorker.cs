using System.Runtime.InteropServices;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// One dedicated send thread of a <see cref="SendWorkerPool"/>: the single owner of the transports pinned to it
/// (their SRTP send context, retransmission buffers, pacer and reports). Any thread posts an item to a transport's
/// <see cref="WorkerInbox"/> (a bounded ring of its own) and links the inbox on the worker's ready list if it was not
/// there; the thread serves the ready inboxes in turn, up to <see cref="Quantum"/> items each, inside one
/// <see cref="EgressBatch"/> scope per chunk (one <c>sendmmsg</c> per batch of up to 32 datagrams), spins briefly when
/// nothing is ready, then sleeps until the next post wakes it — a wake-up per batch, never per packet. A full inbox
/// drops its own oldest item (the packet is released, a QueueOverflow drop counted on that transport's room) instead
/// of blocking the publisher's receive loop: the transport with the most queued loses, the others do not (issue 16:
/// a join storm must not take packets from a room already running). Transports pinned in the last
/// <see cref="SendWorkerOptions.NewcomerPeriod"/> take their turns after the established ones (one turn in
/// <see cref="NewcomerTurn"/> meanwhile), so when the storm's key frames and probes are more than the thread can send,
/// the newcomers wait and lose.
/// </summary>
public sealed class SendWorker : IDisposable
{
    /// <summary>Entries processed per batch scope before the batch is flushed and the loop looks around again.</summary>
    private const int DrainChunk = 64;

    /// <summary>Items one inbox sends per turn before the next ready inbox gets its turn.</summary>
    internal const int Quantum = 16;

    /// <summary>While established transports have items, newcomers get one turn in this many (a power of two).</summary>
    internal const int NewcomerTurn = 16;

    /// <summary>Most empty polls (with <see cref="Thread.SpinWait"/>) before the thread goes to sleep.</summary>
    private const int SpinPolls = 64;

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
    // The inboxes created here (copy-on-write: added and removed under the lock, read without it): what is waiting
    // is counted by each inbox's own ring, never by a counter of the worker's that every post would write.
    private WorkerInbox[] _inboxes = [];
    private readonly Lock _inboxGate = new();
    private readonly TimeProvider _time;
    private readonly long _newcomerTicks;
    // Inboxes with items: those of established transports take turns first, newcomers' get what is left.
    private readonly ReadyRound _established = new();
    private readonly ReadyRound _newcomers = new();
    // The items of the inbox whose turn it is (worker thread only).
    private readonly OutboundItem[] _turn = new OutboundItem[Quantum];
    private uint _turns;
    // Written by the worker per drain; on a line of their own, apart from _sleeping and _stopping, which every post reads.
    private WorkerLine _line;

    /// <param name="index">Partition number in the pool.</param>
    /// <param name="capacity">Each pinned transport's inbox: items (a power of two).</param>
    /// <param name="startThread">False (tests): no thread; the test drains with <see cref="DrainChunkOnce"/>.</param>
    /// <param name="onStart">Runs first on the new thread with <paramref name="index"/> (e.g. to pin it to a core).</param>
    /// <param name="newcomerPeriod">How long a new transport's items wait behind established ones' (<see cref="SendWorkerOptions.NewcomerPeriod"/>).</param>
    /// <param name="time">The clock of <paramref name="newcomerPeriod"/>.</param>
    internal SendWorker(int index, int capacity, bool startThread, Action<int>? onStart, TimeSpan newcomerPeriod = default, TimeProvider? time = null)
    {
        Index = index;
        _time = time ?? TimeProvider.System;
        _newcomerTicks = (long)(newcomerPeriod.TotalSeconds * _time.TimestampFrequency);
        _onStart = onStart;
        InboxCapacity = capacity;
        if (startThread)
        {
            _thread = new Thread(Run) { IsBackground = true, Name = $"dwr-send-{index}" };
            _thread.Start();
        }
    }

    /// <summary>This worker's partition number in its pool (1..N-1; partition 0 is the posting thread itself).</summary>
    public int Index { get; }

    /// <summary>Items each pinned transport's inbox holds before it drops its oldest.</summary>
    public int InboxCapacity { get; }

    /// <summary>
    /// Items waiting in the inboxes of the transports pinned here (not yet taken by the thread): the sum of the
    /// inboxes' own counts, read for metrics, tests and benchmarks only. A worker-wide counter written by every post
    /// put one more cache line, written by both the posting receive loop's core and the worker's, on every packet.
    /// </summary>
    public int Backlog
    {
        get
        {
            int total = 0;
            foreach (var inbox in Volatile.Read(ref _inboxes)) total += inbox.Count;
            return total;
        }
    }

    /// <summary>Entries processed so far.</summary>
    public long Processed => Volatile.Read(ref _line.Processed);

    /// <summary>Items dropped because their transport's inbox was full (oldest first), all transports.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Bytes the GC counted as allocated on the draining thread while it processed entries (0 in steady state).</summary>
    public long AllocatedBytes => Volatile.Read(ref _line.AllocatedBytes);

    /// <summary>Drains that processed at least one entry: each one <see cref="EgressBatch"/> scope (Processed / Drains = datagrams per <c>sendmmsg</c>, about).</summary>
    public long Drains => Volatile.Read(ref _line.Drains);

    /// <summary>Times a post had to wake the sleeping thread.</summary>
    public long WakeUps => Interlocked.Read(ref _wakeUps);

    /// <summary>A new inbox for a transport pinned here: a newcomer for the newcomer period from its first item.</summary>
    internal WorkerInbox CreateInbox(SendPath path)
    {
        var inbox = new WorkerInbox(path, InboxCapacity, _newcomerTicks);
        lock (_inboxGate)
        {
            _inboxes = [.. _inboxes, inbox];
        }
        return inbox;
    }

    /// <summary>The transport of <paramref name="inbox"/> closed: its items no longer count in <see cref="Backlog"/>.</summary>
    internal void RemoveInbox(WorkerInbox inbox)
    {
        lock (_inboxGate)
        {
            _inboxes = Array.FindAll(_inboxes, other => other != inbox);
        }
    }

    /// <summary>The thread sleeps (it flushed its batch before), for tests.</summary>
    internal bool IsAsleep => Volatile.Read(ref _sleeping) == 1 && !_stopping;

    /// <summary>
    /// Asleep with nothing of <paramref name="inbox"/>'s transport queued: everything posted for it before has been
    /// sent (the thread flushes its batch before it sleeps), so the caller may send for that transport itself without
    /// overtaking one of its items. Other transports' inboxes do not matter: their order is their own. The inbox's
    /// ring is read first: if the worker's dequeue of its last item (taken before it was sent) is seen, so is the
    /// <c>_sleeping = 0</c> written before it, and a 1 read after that is the thread's next sleep, after the flush.
    /// </summary>
    internal bool IsAsleepWith(WorkerInbox inbox) => inbox.Ring.IsEmpty && IsAsleep;

    /// <summary>Any thread: hands one item to this worker; the sender takes care of releasing a dropped one.</summary>
    internal void Post(WorkerInbox inbox, in OutboundItem item)
    {
        if (_stopping)
        {
            // Shutting down: nobody will drain the inbox any more.
            inbox.Path.OnDroppedFromWorker(item, DropReason.NotConnected);
            return;
        }
        while (!inbox.Ring.TryEnqueue(item))
        {
            // This transport's budget is full: its own oldest item goes (newer media is worth more than older), no
            // other transport's.
            if (inbox.Ring.TryDequeue(out var oldItem))
            {
                Interlocked.Increment(ref _dropped);
                inbox.CountOverflow();
                inbox.Path.OnDroppedFromWorker(oldItem, DropReason.QueueOverflow);
            }
        }
        // Already on the ready list, or being served (the worker clears the flag before it takes items): nothing to do.
        if (Volatile.Read(ref inbox.Scheduled) == 1 || Interlocked.Exchange(ref inbox.Scheduled, 1) == 1)
        {
            return;
        }
        RoundOf(inbox).Push(inbox);
        // Push's CompareExchange is a full fence: the read below cannot move before it (Dekker with Run).
        if (Volatile.Read(ref _sleeping) == 1 && Interlocked.Exchange(ref _sleeping, 0) == 1)
        {
            Interlocked.Increment(ref _wakeUps);
            _wake.Set();
        }
    }

    private bool NothingReady => _established.IsEmpty && _newcomers.IsEmpty;

    /// <summary>
    /// Worker thread: the next inbox whose turn it is (null: none ready): established transports first; newcomers get
    /// one turn in <see cref="NewcomerTurn"/> meanwhile, so they are never held back for good (an inbox that stopped
    /// being a newcomer while it waited moves to the established round after its turn).
    /// </summary>
    private WorkerInbox? NextInbox() => (++_turns & (NewcomerTurn - 1)) == 0
        ? _newcomers.Take() ?? _established.Take()
        : _established.Take() ?? _newcomers.Take();

    /// <summary>Any thread, or the worker: puts an inbox that has items on the round of its class.</summary>
    private ReadyRound RoundOf(WorkerInbox inbox) => inbox.IsNewcomer(_time) ? _newcomers : _established;

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
            while (NothingReady && polls++ < _spinPolls && !_stopping)
            {
                Thread.SpinWait(20);
            }
            if (!NothingReady)
            {
                _spinPolls = Math.Min(SpinPolls, (_spinPolls * 2) + 1);
                continue;
            }
            _spinPolls >>= 1;
            _wake.Reset();
            Interlocked.Exchange(ref _sleeping, 1);
            if (!NothingReady || _stopping)
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
            while (count < DrainChunk && NextInbox() is { } inbox)
            {
                // Cleared before the items are taken: a post after this links the inbox again, none is missed.
                Interlocked.Exchange(ref inbox.Scheduled, 0);
                // The turn's items are taken out of the ring before they are sent, so an empty ring says every item
                // was taken (IsAsleepWith's protocol).
                int served = 0;
                while (served < Quantum && inbox.Ring.TryDequeue(out _turn[served]))
                {
                    served++;
                }
                for (int i = 0; i < served; i++)
                {
                    inbox.Path.RunOnWorker(_turn[i]);
                    _turn[i] = default; // no packet or stream held by the buffer
                }
                count += served;
                if (!inbox.Ring.IsEmpty && Interlocked.Exchange(ref inbox.Scheduled, 1) == 0)
                {
                    RoundOf(inbox).Requeue(inbox);
                }
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
        while (NextInbox() is { } inbox)
        {
            while (inbox.Ring.TryDequeue(out var item))
            {
                inbox.Path.OnDroppedFromWorker(item, DropReason.NotConnected);
            }
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
