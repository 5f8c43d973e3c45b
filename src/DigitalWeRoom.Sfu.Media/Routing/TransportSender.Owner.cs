using DigitalWeRoom.Sfu.Protocols;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// Who sends for a <see cref="TransportSender"/>: the busy flag (one inline sender at a time), dropped items, and the
/// send-worker side: a transport pinned to a <see cref="SendWorker"/> hands its
/// items to that worker's ring instead of its channel, so one publisher's fan-out is sent by the receive loop (its
/// partition-0 subscribers) and the workers (the rest) on other cores at once.
/// </summary>
public sealed partial class TransportSender
{
    private readonly SendWorkerPool? _workers;
    private readonly SendWorker? _worker;

    /// <summary>Items posted to the worker and not yet processed or dropped.</summary>
    private int _pending;

    /// <summary>The worker this transport is pinned to; null: partition 0 (inline, else its own send loop).</summary>
    public SendWorker? Worker => _worker;

    /// <summary>Whether a send worker's thread sends this transport (its own send loop does not).</summary>
    public bool SentByWorker => _worker is not null;

    /// <summary>
    /// Always posted to the worker, which runs the transport's items in the order they were posted. NOTE: never
    /// inline, not even when the worker is idle: an inline datagram waits in the calling thread's
    /// <see cref="Transport.Udp.EgressBatch"/> until that thread's scope ends, so a later packet of the same stream
    /// sent by the worker would overtake it on the wire (seen as gaps and a non-key first frame at subscribers).
    /// </summary>
    private bool TryEnqueueOnWorker(SendWorker worker, in OutboundItem item)
    {
        Interlocked.Increment(ref _pending);
        worker.Post(this, item);
        return true;
    }

    /// <summary>Worker thread: one posted item, under the busy flag (a closing release or a test's drain may hold it).</summary>
    internal void RunOnWorker(in OutboundItem item)
    {
        AcquireBusy();
        try
        {
            Process(item);
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>The worker's ring dropped this item (full: oldest first; or shutting down).</summary>
    internal void OnDroppedFromWorker(in OutboundItem item, DropReason reason = DropReason.QueueOverflow)
    {
        ReleaseDropped(item, reason);
        Interlocked.Decrement(ref _pending);
    }

    /// <summary>Processes the item on the calling thread if nobody is sending for this transport; false if busy.</summary>
    private bool TryProcessInline(in OutboundItem item)
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            return false;
        }
        try
        {
            Process(item);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
        return true;
    }

    private void AcquireBusy()
    {
        var spin = default(SpinWait);
        while (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            // An inline send holds it for one packet (microseconds).
            spin.SpinOnce();
        }
    }

    /// <summary>A queued item that will not be processed: its packet is released and the drop counted.</summary>
    private void ReleaseDropped(in OutboundItem item, DropReason reason)
    {
        item.Packet?.Release();
        _counters.Drops.Increment(reason);
        if (item.Kind == OutboundKind.PacerTick)
        {
            // The pacer's wake-up is gone: let the next packet arm the timer again, or the pacer would stall.
            Volatile.Write(ref _pacerTimerArmed, 0);
        }
    }
}
