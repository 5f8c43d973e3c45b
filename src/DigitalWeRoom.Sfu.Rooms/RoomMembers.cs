using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// The participants of one room in join order (the snapshot and <c>participants</c> lists follow it) and the ways to
/// reach them. Owned by the room's control loop: no lock.
/// </summary>
internal sealed class RoomMembers
{
    private readonly List<Participant> _participants = [];

    public int Count => _participants.Count;

    /// <summary>In join order; a live view (copy it before removing while iterating).</summary>
    public IReadOnlyList<Participant> All => _participants;

    public Participant? Find(string id) => _participants.Find(p => p.Id == id);

    public Participant? FindByIdentity(string identity) => _participants.Find(p => p.Identity == identity);

    /// <summary>The Room API addresses a participant by its id or by its token identity.</summary>
    public Participant? FindByIdOrIdentity(string idOrIdentity) => Find(idOrIdentity) ?? FindByIdentity(idOrIdentity);

    public void Add(Participant participant) => _participants.Add(participant);

    public bool Remove(Participant participant) => _participants.Remove(participant);

    public ParticipantInfo[] Infos() => _participants.Select(p => p.ToInfo()).ToArray();

    public void Broadcast(SignalMessage message, Participant? except)
    {
        foreach (var p in _participants)
        {
            if (!ReferenceEquals(p, except))
            {
                p.Send(message);
            }
        }
    }

    /// <summary>Tells the others that <paramref name="newcomer"/> joined: at once, or into each one's presence batch.</summary>
    public void AnnounceJoined(Participant newcomer, bool batch)
    {
        if (!batch)
        {
            Broadcast(new SignalMessage { Type = MessageTypes.ParticipantJoined, Participant = newcomer.ToInfo() }, except: newcomer);
            return;
        }

        var info = newcomer.ToInfo();
        foreach (var p in _participants)
        {
            if (!ReferenceEquals(p, newcomer))
            {
                p.Presence.Joined(info);
            }
        }
    }

    /// <summary>Tells everyone left that <paramref name="participantId"/> left: at once, or into each one's presence batch.</summary>
    public void AnnounceLeft(string participantId, bool batch)
    {
        if (!batch)
        {
            Broadcast(new SignalMessage { Type = MessageTypes.ParticipantLeft, ParticipantId = participantId }, except: null);
            return;
        }

        foreach (var p in _participants)
        {
            p.Presence.Left(participantId);
        }
    }

    /// <summary>The presence window ended: every member is told what it has not heard yet.</summary>
    public void TellPresence()
    {
        foreach (var p in _participants)
        {
            p.TellPresence();
        }
    }

    public static void SendError(Participant p, string code, string reason, string? id) =>
        p.Send(new SignalMessage { Type = MessageTypes.Error, Code = code, Reason = reason, Id = id });
}
