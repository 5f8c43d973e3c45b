namespace DigitalWeRoom.Sfu.Server.Webhooks;

/// <summary>
/// Decides whether this node sends a room's <c>room_started</c> / <c>room_finished</c> webhook (a cluster sends each
/// once per room, whichever node serves it: Cluster/ClusterNode). The decision may need I/O: the gate calls
/// <paramref name="send"/> later, from its own queue, never from the room's loop.
/// </summary>
public interface IRoomLifecycleGate
{
    void RoomStarted(string room, Action send);

    void RoomFinished(string room, Action send);

    /// <summary>
    /// Registers how to send <c>room_finished</c> for a room that ended elsewhere without a goodbye (its node was killed
    /// and nobody rejoined): the cluster then calls <paramref name="sendRoomFinished"/> once for that room.
    /// </summary>
    void OnFinishedElsewhere(Action<string> sendRoomFinished);
}
