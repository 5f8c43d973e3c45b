using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>The signaling connection of one participant, as the room sees it.</summary>
public interface IParticipantConnection
{
    /// <summary>
    /// Queues a message without blocking (bounded queue). Returns false when the queue is full; the
    /// connection then closes itself, and its owner tells the room the participant left.
    /// </summary>
    bool TrySend(SignalMessage message);

    /// <summary>
    /// The room has let the participant go (removed by the operator, room closed): send what is queued, then close
    /// the connection with <paramref name="reason"/>. The room has already forgotten the participant.
    /// </summary>
    void Disconnect(string reason)
    {
    }
}
