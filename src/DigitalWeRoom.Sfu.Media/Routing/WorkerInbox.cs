namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// One transport's queue inside its <see cref="SendWorker"/>: a bounded ring of its own (its budget), so when the
/// worker falls behind — a storm of joins floods newcomers with key frames, probes, retransmissions — the transport
/// with the most queued is the one that drops its oldest items, and a room already running keeps everything. The
/// worker serves its ready inboxes in turn, a few items each (deficit-free round robin), so a transport that offers
/// less than its share is never held back by one that offers more; one transport's items keep their order and have
/// one sender (the worker's thread).
/// </summary>
internal sealed class WorkerInbox
{
    private readonly SendRing _ring;
    private long _overflows;

    // 1 while the inbox is on its worker's ready list (or being taken off it): a post that sets it links the inbox.
    internal int Scheduled;

    /// <summary>The next inbox on the worker's ready list (written by the one who links it, read by the worker).</summary>
    internal WorkerInbox? NextReady;

    internal WorkerInbox(SendPath path, int capacity)
    {
        Path = path;
        _ring = new SendRing(capacity);
    }

    internal SendPath Path { get; }

    internal SendRing Ring => _ring;

    /// <summary>Items waiting (a snapshot).</summary>
    internal int Count => _ring.Count;

    /// <summary>Items this transport lost because its own budget was full (oldest first).</summary>
    internal long Overflows => Interlocked.Read(ref _overflows);

    internal void CountOverflow() => Interlocked.Increment(ref _overflows);
}
