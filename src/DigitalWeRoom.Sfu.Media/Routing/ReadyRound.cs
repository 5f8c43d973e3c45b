namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// The inboxes of one <see cref="SendWorker"/> that have items, in the order they take turns. Posting threads push an
/// inbox onto a lock-free stack (intrusive through <see cref="WorkerInbox.NextReady"/>, nothing allocated); the worker
/// takes the whole stack at once (so no ABA), reverses it and appends it to its round, behind the inboxes already
/// waiting, so one that never empties cannot keep a newly ready one waiting.
/// </summary>
internal sealed class ReadyRound
{
    private WorkerInbox? _posted;
    // The worker's own list, only its thread touches these.
    private WorkerInbox? _head;
    private WorkerInbox? _tail;

    /// <summary>Worker thread: nothing waiting (a post racing with this is seen by the caller's fence protocol).</summary>
    public bool IsEmpty => _head is null && Volatile.Read(ref _posted) is null;

    /// <summary>Any thread: links an inbox that was not on any round (its Scheduled flag just went 0 → 1).</summary>
    public void Push(WorkerInbox inbox)
    {
        WorkerInbox? head;
        do
        {
            head = Volatile.Read(ref _posted);
            inbox.NextReady = head;
        }
        while (Interlocked.CompareExchange(ref _posted, inbox, head) != head);
    }

    /// <summary>Worker thread: the inbox whose turn it is, taken off the round; null when none.</summary>
    public WorkerInbox? Take()
    {
        if (Volatile.Read(ref _posted) is not null)
        {
            // Newest first on the stack: reversed into arrival order.
            var taken = Interlocked.Exchange(ref _posted, null);
            WorkerInbox? first = null;
            var last = taken;
            while (taken is not null)
            {
                var next = taken.NextReady;
                taken.NextReady = first;
                first = taken;
                taken = next;
            }
            if (first is not null)
            {
                Append(first, last!);
            }
        }
        var inbox = _head;
        if (inbox is not null)
        {
            _head = inbox.NextReady;
            inbox.NextReady = null;
            if (_head is null)
            {
                _tail = null;
            }
        }
        return inbox;
    }

    /// <summary>Worker thread: an inbox that still has items goes to the end of the round.</summary>
    public void Requeue(WorkerInbox inbox) => Append(inbox, inbox);

    private void Append(WorkerInbox first, WorkerInbox last)
    {
        if (_tail is null)
        {
            _head = first;
        }
        else
        {
            _tail.NextReady = first;
        }
        _tail = last;
    }
}
