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

    /// <summary>The identity of the join's token (<c>sub</c>), or null (open server): one session per identity and room.</summary>
    string? Identity => null;

    /// <summary>The display name is the join token's <c>name</c>: the participant may not change it (<c>set-name</c> is refused).</summary>
    bool NameFromToken => false;

    /// <summary>The join's grant allows publishing (room token <c>canPublish</c>; always true on an open server).</summary>
    bool CanPublish => true;

    /// <summary>The join's grant allows receiving others' media (room token <c>canSubscribe</c>).</summary>
    bool CanSubscribe => true;

    /// <summary>
    /// The room lets the participant go (removed by the operator, room closed, ICE consent expired): the connection
    /// sends an <c>error</c> with <paramref name="code"/> and <paramref name="reason"/>, sends what is queued, then
    /// closes with <paramref name="code"/>, forgetting its room. Called on the room loop, which forgets the participant.
    /// </summary>
    void Disconnect(string code, string reason)
    {
        TrySend(new SignalMessage { Type = MessageTypes.Error, Code = code, Reason = reason });
    }
}
