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
}
