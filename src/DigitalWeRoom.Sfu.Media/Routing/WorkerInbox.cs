using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// One transport's queue inside its <see cref="SendWorker"/>: a bounded ring of its own (its budget), so when the
/// worker falls behind — a storm of joins floods newcomers with key frames, probes, retransmissions — the transport
/// with the most queued is the one that drops its oldest items, and a room already running keeps everything. The
/// worker serves its ready inboxes in turn, a few items each (deficit-free round robin), so a transport that offers
/// less than its share is never held back by one that offers more; one transport's items keep their order and have
/// one sender (the worker's thread). For its first seconds a transport is a newcomer, served only one turn in 16 while
/// established transports have items: a storm of joins (key-frame replays, probes, retransmissions to hundreds of new subscribers)
/// then waits, and loses, in its own inboxes while the rooms already running are sent first.
/// </summary>
internal sealed class WorkerInbox
{
    private readonly BoundedRing<OutboundItem> _ring;
    private long _overflows;

    // 1 while the inbox is on its worker's ready list (or being taken off it): a post that sets it links the inbox.
    internal int Scheduled;

    /// <summary>The next inbox on the worker's ready list (written by the one who links it, read by the worker).</summary>
    internal WorkerInbox? NextReady;

    private readonly long _newcomerTicks;
    // 0 until the first item is posted; from then on, when it stops being a newcomer.
    private long _establishedAt;
    private bool _established;

    /// <param name="newcomerTicks">How long, in <see cref="TimeProvider.GetTimestamp"/> ticks from its first item, it is a newcomer.</param>
    internal WorkerInbox(SendPath path, int capacity, long newcomerTicks)
    {
        Path = path;
        _ring = new BoundedRing<OutboundItem>(capacity);
        _newcomerTicks = newcomerTicks;
        _established = newcomerTicks <= 0;
    }

    /// <summary>
    /// Its first item came within the worker's newcomer period: its items wait behind established transports' items.
    /// Counted from the first item, not from creation: a transport waits for ICE and DTLS (seconds in a storm) before
    /// any media flows, and a meeting that started seconds before the storm must already count as running.
    /// </summary>
    internal bool IsNewcomer(TimeProvider time)
    {
        if (_established)
        {
            return false;
        }
        long now = time.GetTimestamp();
        long at = Volatile.Read(ref _establishedAt);
        if (at == 0)
        {
            // The first item (concurrent first posts set about the same time: either is right).
            Volatile.Write(ref _establishedAt, now + _newcomerTicks);
            return true;
        }
        if (now < at)
        {
            return true;
        }
        // For good: no clock read per post once established (a benign race: every thread sees the same answer).
        _established = true;
        return false;
    }

    internal SendPath Path { get; }

    internal BoundedRing<OutboundItem> Ring => _ring;

    /// <summary>Items waiting (a snapshot).</summary>
    internal int Count => _ring.Count;

    /// <summary>Items this transport lost because its own budget was full (oldest first).</summary>
    internal long Overflows => Interlocked.Read(ref _overflows);

    internal void CountOverflow() => Interlocked.Increment(ref _overflows);
}
