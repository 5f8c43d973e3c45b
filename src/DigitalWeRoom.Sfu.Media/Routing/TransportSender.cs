using System.Threading.Channels;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Srtp;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// The single sender of one transport: publishers' receive loops (and timers) hand it <see cref="OutboundItem"/>
/// items, and its <see cref="SendPath"/> sends them. When its queue is empty and nobody is sending for it, the item is
/// sent at once on the calling thread (inline: no queue hop, no wake-up; on a receive loop the datagram joins that
/// loop's <c>sendmmsg</c> batch); otherwise it goes into a bounded single-reader channel that drops the oldest item
/// when full (its packet is released and a QueueOverflow drop counted), drained by the send loop. The send path's busy
/// flag makes the inline sender and the send loop mutually exclusive, so the transport's SRTP send state and its
/// streams' retransmission buffers have one owner at a time. Everything the server sends to this participant goes
/// through here: forwarded RTP, retransmissions, bandwidth probes, SR/RR, and, toward its publisher side, PLI, NACK,
/// transport-cc and REMB. A transport pinned to a <see cref="SendWorker"/> (two cores for one room) is sent by that
/// worker's thread instead of the channel and send loop: items go to its <see cref="WorkerInbox"/> in that worker
/// (bounded per transport, drop oldest, like the channel), except that a receive loop with time to spare sends them
/// itself while the worker sleeps with nothing queued (everything posted before is then on the wire) — and, an inline
/// datagram waiting in the loop's <see cref="EgressBatch"/> until its datagram is done, keeps sending this transport's
/// items itself until then, so the worker never overtakes one of them.
/// </summary>
public sealed class TransportSender
{
    /// <summary>Bytes reserved after a packet for the SRTP/SRTCP tag and index.</summary>
    public const int SrtpHeadroom = SrtpContext.MaxOverhead;

    public const int ScratchLength = 2048;

    /// <summary>One forwarded packet in this many (a power of two) is timed for the forward-latency metric.</summary>
    public const int ForwardLatencySampling = 64;

    /// <summary>Queued items an inline sender sends behind its own before it leaves the rest to the send loop.</summary>
    internal const int InlineDrainLimit = 64;

    /// <summary>Shortest pacer wake-up (timers are coarser than this anyway).</summary>
    internal const long MinPacerDelayMicros = 1000;

    private readonly MediaCounters _counters;
    private readonly Channel<OutboundItem> _queue;
    private readonly SendPath _path;
    private readonly bool _inline;
    private readonly SendWorkerPool? _workers;
    private readonly SendWorker? _worker;
    private readonly WorkerInbox? _inbox;
    private volatile bool _completed;
    private long _channelOverflows;
    // The receive loop's datagram (ReceiveLoopLoad.CurrentDatagram) during which it last sent for the worker.
    private long _inlineDatagram;

    internal TransportSender(MediaTransport owner, IRtpPacketSender transport, MediaCounters counters, TimeProvider time, RouterOptions options)
    {
        _counters = counters;
        _inline = options.InlineSend ?? options.StartSendLoops;
        _queue = Channel.CreateBounded<OutboundItem>(
            new BoundedChannelOptions(options.SubscriberQueueCapacity)
            {
                SingleReader = true,
                SingleWriter = false,
                FullMode = BoundedChannelFullMode.DropOldest,
                AllowSynchronousContinuations = false,
            },
            OnItemDropped);
        _workers = options.SendWorkers;
        _worker = _workers?.Assign();
        _path = new SendPath(this, owner, transport, counters, time, options);
        _inbox = _worker?.CreateInbox(_path);
    }

    /// <summary>Answers NACKs from this transport's retransmission buffers (send loop).</summary>
    internal Retransmitter Retransmitter => _path.Retransmitter;

    /// <summary>The sending half (worker threads run it directly).</summary>
    internal SendPath Path => _path;

    /// <summary>Items waiting in the queue or the worker's inbox (for tests and metrics).</summary>
    public int QueuedCount => _queue.Reader.Count + (_inbox?.Count ?? 0);

    /// <summary>Items this transport lost because its own queue (or inbox in its worker) was full: oldest first.</summary>
    public long QueueOverflows => Interlocked.Read(ref _channelOverflows) + (_inbox?.Overflows ?? 0);

    /// <summary>RTP packets held by the pacer (send loop's view; for tests and metrics).</summary>
    public int PacedCount => _path.PacedCount;

    /// <summary>The worker this transport is pinned to; null: partition 0 (inline, else its own send loop).</summary>
    public SendWorker? Worker => _worker;

    /// <summary>Whether a send worker's thread sends this transport (its own send loop does not).</summary>
    public bool SentByWorker => _worker is not null;

    internal bool IsCompleted => _completed;

    /// <summary>
    /// Any thread. Takes ownership of the item's packet reference (released here if not queued). Sends inline when
    /// allowed (see the type's summary), else queues.
    /// </summary>
    public bool TryEnqueue(in OutboundItem item)
    {
        if (_completed)
        {
            item.Packet?.Release();
            _counters.Drops.Increment(DropReason.NotConnected);
            return false;
        }
        if (_inline && MaySendInline(out bool wait, out long datagram) && TrySendInline(item, hasItem: true, wait, datagram))
        {
            return true;
        }
        if (_inbox is { } inbox)
        {
            _worker!.Post(inbox, item);
            return true;
        }
        if (_queue.Writer.TryWrite(item))
        {
            if (_inline)
            {
                // Behind a backlog (a timer's item held the sender a moment ago): this thread sends it now, in order,
                // rather than leave it to the send loop, a thread-pool task that a storm of joins (signaling, JSON,
                // SDP on the same pool) kept waiting for seconds while this transport's queue overflowed.
                TrySendInline(default, hasItem: false, wait: false, datagram: 0);
            }
            return true;
        }
        // Only fails once completed (transport closed).
        item.Packet?.Release();
        _counters.Drops.Increment(DropReason.NotConnected);
        return false;
    }

    /// <summary>Runs the send loop until <see cref="Complete"/>; then releases whatever is left.</summary>
    public async Task RunAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                DrainAvailable();
            }
        }
        finally
        {
            ReleaseRemaining();
        }
    }

    /// <summary>
    /// Processes every item available now, synchronously, in one <c>sendmmsg</c> batch; returns how many. The loop
    /// body of <see cref="RunAsync"/>, also called directly by tests (never concurrently with itself: single reader).
    /// </summary>
    public int DrainAvailable()
    {
        var reader = _queue.Reader;
        int count = 0;
        _path.AcquireBusy();
        try
        {
            using var batch = EgressBatch.Enter();
            while (reader.TryRead(out var item))
            {
                _path.Process(item);
                count++;
            }
        }
        finally
        {
            _path.ReleaseBusy();
        }
        return count;
    }

    /// <summary>No more items; the loop ends after draining.</summary>
    public void Complete()
    {
        if (!_completed)
        {
            _workers?.Unassign(_worker);
            if (_inbox is not null)
            {
                _worker!.RemoveInbox(_inbox);
            }
        }
        _completed = true;
        _queue.Writer.TryComplete();
        _path.StopTimers();
    }

    internal void ReleaseRemaining()
    {
        while (_queue.Reader.TryRead(out var item))
        {
            item.Packet?.Release();
        }
        _path.ReleasePaced();
    }

    /// <summary>
    /// The inline policy, all of it: whether the calling thread may send an item of this transport itself.
    /// <list type="bullet">
    /// <item>Not pinned to a worker: when its queue is empty, so items of one producer never overtake each other.</item>
    /// <item>Pinned to a worker: only a receive loop (a <paramref name="datagram"/> is current), and only when it has
    /// time to spare and the worker sleeps with nothing of this transport queued — at a small meeting's rates waking
    /// the worker costs more than the sends (a futex call here, two context switches there, per datagram). Once the
    /// loop has sent for this transport during a datagram it keeps doing so until the datagram is done, waiting for the
    /// busy flag if need be (<paramref name="wait"/>): the datagram it sent waits in the loop's <c>sendmmsg</c> batch,
    /// and a later item posted to a worker woken meanwhile would overtake it.</item>
    /// </list>
    /// </summary>
    private bool MaySendInline(out bool wait, out long datagram)
    {
        wait = false;
        datagram = ReceiveLoopLoad.CurrentDatagram;
        if (_inbox is null)
        {
            // The same for the send loop (several receive loops): a loop that sent this transport's item during its
            // datagram waits for the busy flag for the next one rather than queue it, where the send loop would send
            // it past the one still in this loop's batch.
            wait = datagram != 0 && Volatile.Read(ref _inlineDatagram) == datagram;
            return wait || _queue.Reader.Count == 0;
        }
        if (datagram == 0)
        {
            return false;
        }
        // Only this thread's datagram matches. Another receive loop's still in progress (several loops) keeps the mark:
        // taking it over would let that loop's next item of its datagram go to the worker, past the one in its batch.
        long owner = Volatile.Read(ref _inlineDatagram);
        wait = owner == datagram;
        // Cheapest first: a thread-static flag, then this worker's lines, then another loop's line.
        return wait || (ReceiveLoopLoad.HasSpareTime && _worker!.IsAsleepWith(_inbox) && !ReceiveLoopLoad.IsInProgress(owner));
    }

    /// <summary>
    /// Sends on the calling thread, as the single sender of the moment (the send path's busy flag: taken if free, or
    /// waited for when <paramref name="wait"/>; false when busy): the item if <paramref name="hasItem"/>, else up to
    /// <see cref="InlineDrainLimit"/> items queued behind a backlog.
    /// </summary>
    private bool TrySendInline(in OutboundItem item, bool hasItem, bool wait, long datagram)
    {
        if (wait)
        {
            _path.AcquireBusy();
        }
        else if (!_path.TryAcquireBusy())
        {
            return false;
        }
        try
        {
            if (hasItem)
            {
                if (datagram != 0)
                {
                    // Written under the busy flag.
                    Volatile.Write(ref _inlineDatagram, datagram);
                }
                _path.Process(item);
            }
            else
            {
                var reader = _queue.Reader;
                for (int i = 0; i < InlineDrainLimit && reader.TryRead(out var queued); i++)
                {
                    _path.Process(queued);
                }
            }
        }
        finally
        {
            _path.ReleaseBusy();
        }
        return true;
    }

    private void OnItemDropped(OutboundItem item)
    {
        Interlocked.Increment(ref _channelOverflows);
        _path.ReleaseDropped(item, DropReason.QueueOverflow);
    }
}
