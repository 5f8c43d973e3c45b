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
    private readonly SendRing _ring;
    private long _overflows;

    // 1 while the inbox is on its worker's ready list (or being taken off it): a post that sets it links the inbox.
    internal int Scheduled;

    /// <summary>The next inbox on the worker's ready list (written by the one who links it, read by the worker).</summary>
    internal WorkerInbox? NextReady;

    private readonly long _establishedAt;
    private bool _established;

    /// <param name="establishedAt">The <see cref="TimeProvider.GetTimestamp"/> from which it is no longer a newcomer.</param>
    internal WorkerInbox(SendPath path, int capacity, long establishedAt)
    {
        Path = path;
        _ring = new SendRing(capacity);
        _establishedAt = establishedAt;
    }

    /// <summary>Joined within the worker's newcomer period: its items wait behind established transports' items.</summary>
    internal bool IsNewcomer(TimeProvider time)
    {
        if (_established)
        {
            return false;
        }
        if (time.GetTimestamp() < _establishedAt)
        {
            return true;
        }
        // For good: no clock read per post once established (a benign race: every thread sees the same answer).
        _established = true;
        return false;
    }

    internal SendPath Path { get; }

    internal SendRing Ring => _ring;

    /// <summary>Items waiting (a snapshot).</summary>
    internal int Count => _ring.Count;

    /// <summary>Items this transport lost because its own budget was full (oldest first).</summary>
    internal long Overflows => Interlocked.Read(ref _overflows);

    internal void CountOverflow() => Interlocked.Increment(ref _overflows);
}
