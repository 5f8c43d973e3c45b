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

    public static void SendError(Participant p, string code, string reason, string? id) =>
        p.Send(new SignalMessage { Type = MessageTypes.Error, Code = code, Reason = reason, Id = id });
}
