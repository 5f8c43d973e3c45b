namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// The participants whose tracks one session receives. The room's rule is "everyone receives everyone else"
/// (<see cref="RoomModeDriver.OnMembershipChanged"/>), so this is held as that rule plus its exceptions — participants
/// who joined while this one could not subscribe — and answered against the room's sessions, rather than as a copy of
/// the member list per session: those copies grew every session with the room (500 listeners: 500 sets of 500 ids,
/// 28 KB per listener; issue 16 item 4). Room-loop calls only.
/// </summary>
internal sealed class Subscriptions(SfuRoomMedia room, string self)
{
    // _everyone: the rule applies, less _exceptions. Otherwise only _named (before the join's list, or when the list
    // was set while subscribing was not allowed).
    private bool _everyone;
    private readonly HashSet<string> _exceptions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _named = new(StringComparer.Ordinal);

    /// <summary>Subscribed to <paramref name="participantId"/>: another participant of the room with a session.</summary>
    public bool Contains(string participantId)
    {
        if (participantId == self || room.Find(participantId) is null)
        {
            return false;
        }

        return _everyone ? !_exceptions.Contains(participantId) : _named.Contains(participantId);
    }

    /// <summary>The join's list of everyone else (nothing when <paramref name="allowed"/> is false).</summary>
    public void Set(IReadOnlyList<string> participantIds, bool allowed)
    {
        _exceptions.Clear();
        _named.Clear();
        _everyone = allowed;
        if (!allowed || room.Sessions.Count <= 1)
        {
            return;
        }

        // Exact for any list: a session of the room the list leaves out is an exception (the room's own list leaves out
        // nobody, so this set stays empty).
        var listed = new HashSet<string>(participantIds, StringComparer.Ordinal);
        foreach (var session in room.Sessions)
        {
            if (session.ParticipantId != self && !listed.Contains(session.ParticipantId))
            {
                _exceptions.Add(session.ParticipantId);
            }
        }
    }

    /// <summary>One more participant to receive, when <paramref name="allowed"/>.</summary>
    public void Add(string participantId, bool allowed)
    {
        if (_everyone)
        {
            if (allowed)
            {
                _exceptions.Remove(participantId);
            }
            else
            {
                _exceptions.Add(participantId);
            }
        }
        else if (allowed)
        {
            _named.Add(participantId);
        }
    }

    /// <summary>No longer receive <paramref name="participantId"/> (it left: its session is gone, so nothing is kept).</summary>
    public void Remove(string participantId)
    {
        _named.Remove(participantId);
        if (_everyone && room.Find(participantId) is not null)
        {
            _exceptions.Add(participantId);
        }
        else
        {
            _exceptions.Remove(participantId);
        }
    }
}
