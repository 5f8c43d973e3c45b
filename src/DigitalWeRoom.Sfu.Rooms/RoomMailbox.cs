using System.Threading.Channels;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// A room's command queue: one FIFO read by the room's control loop, with two separately bounded lanes of capacity.
/// Client commands (joins, signaling, leaves, operator calls) wait for one of <see cref="ClientCapacity"/> slots;
/// internal commands (the mode timer, a session's offers and state reports, media-timer callbacks) have their own
/// <see cref="InternalCapacity"/> slots and never wait, so a client that fills its lane cannot make the room drop the
/// server's own negotiation or consent expiry. Both lanes share one channel, so commands keep their posting order.
/// </summary>
internal sealed class RoomMailbox
{
    public const int ClientCapacity = 1024;

    /// <summary>Far above what the room's own timer and sessions post between two turns of the loop.</summary>
    public const int InternalCapacity = 4096;

    private readonly Channel<(RoomCommand Command, bool Internal)> _queue =
        Channel.CreateUnbounded<(RoomCommand, bool)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly SemaphoreSlim _clientSlots = new(ClientCapacity);
    private int _internalQueued;
    private long _internalDropped;

    /// <summary>Internal commands refused because their own lane was full (a server bug, never a client's doing).</summary>
    public long InternalDropped => Interlocked.Read(ref _internalDropped);

    /// <summary>Queues a client command, waiting while the client lane is full. False once the room has closed.</summary>
    public async ValueTask<bool> PostClientAsync(RoomCommand command, CancellationToken cancellationToken)
    {
        await _clientSlots.WaitAsync(cancellationToken);
        if (_queue.Writer.TryWrite((command, false)))
        {
            return true;
        }

        // Closed: hand the slot on, so every other waiter wakes and learns the same.
        _clientSlots.Release();
        return false;
    }

    /// <summary>Queues an internal command without waiting; false when the room has closed or the internal lane is full.</summary>
    public bool TryPostInternal(RoomCommand command)
    {
        if (Interlocked.Increment(ref _internalQueued) > InternalCapacity)
        {
            Interlocked.Decrement(ref _internalQueued);
            Interlocked.Increment(ref _internalDropped);
            return false;
        }

        if (_queue.Writer.TryWrite((command, true)))
        {
            return true;
        }

        Interlocked.Decrement(ref _internalQueued);
        return false;
    }

    /// <summary>No more commands are accepted; those queued are still read.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>The control loop's reader: every queued command in posting order, until <see cref="Complete"/> and drained.</summary>
    public async IAsyncEnumerable<RoomCommand> ReadAllAsync()
    {
        await foreach (var (command, isInternal) in _queue.Reader.ReadAllAsync())
        {
            if (isInternal)
            {
                Interlocked.Decrement(ref _internalQueued);
            }
            else
            {
                _clientSlots.Release();
            }

            yield return command;
        }
    }
}
