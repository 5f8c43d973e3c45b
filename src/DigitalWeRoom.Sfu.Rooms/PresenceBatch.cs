using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// The joins and leaves one member has not been told yet while its room batches presence (a large room: one
/// <c>participant-joined</c> per join to every member is N² messages over a mass join). Told as one
/// <c>participants-changed</c> when the room's window ends, and always before anything else the member is sent, so
/// no later message names a participant the member has not heard of. Someone who joined and left within the window
/// is never mentioned. Bounded by the room's size. Owned by the room's control loop.
/// </summary>
internal sealed class PresenceBatch
{
    private readonly List<ParticipantInfo> _joined = [];
    private readonly List<string> _left = [];

    public bool IsEmpty => _joined.Count == 0 && _left.Count == 0;

    public void Joined(ParticipantInfo participant) => _joined.Add(participant);

    public void Left(string participantId)
    {
        int pending = _joined.FindIndex(p => p.Id == participantId);
        if (pending >= 0)
        {
            _joined.RemoveAt(pending);
            return;
        }

        _left.Add(participantId);
    }

    /// <summary>The news as one message, and the batch empty again; null when there is none.</summary>
    public SignalMessage? Take()
    {
        if (IsEmpty)
        {
            return null;
        }

        var news = new SignalMessage { Type = MessageTypes.ParticipantsChanged, Participants = [.. _joined], Left = [.. _left] };
        _joined.Clear();
        _left.Clear();
        return news;
    }
}
