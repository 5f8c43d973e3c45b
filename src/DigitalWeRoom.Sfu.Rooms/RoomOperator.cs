using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// Operator commands (the Room API, docs/security.md) and the same-identity replacement: who is dismissed, with which
/// error, and what an operator mute changes. They run on the room's control loop like every other command, so they
/// never race a join, a leave or a negotiation; the room then runs the usual leave for whoever was dismissed.
/// </summary>
internal sealed class RoomOperator
{
    private readonly string _room;
    private readonly RoomMembers _members;
    private readonly ILogger _logger;

    internal RoomOperator(string room, RoomMembers members, ILogger logger)
    {
        _room = room;
        _members = members;
        _logger = logger;
    }

    /// <summary>
    /// A join with an identity already in the room (a reload, a second tab, another device) replaces the old session at
    /// once, so the others never see a ghost tile: the old one is told why; the caller makes it leave before the new
    /// one is added. Null when nobody has that identity.
    /// </summary>
    public Participant? DismissSameIdentity(string? identity)
    {
        if (identity is null || _members.FindByIdentity(identity) is not { } old)
        {
            return null;
        }

        _logger.LogInformation("Room {Room}: {Participant} replaced by a new session of the same identity", _room, old.Id);
        Dismiss(old, ErrorCodes.Replaced, "you joined this room again from another session");
        return old;
    }

    /// <summary>Tells the participant it was removed and closes its connection; null when not found. The caller makes it leave.</summary>
    public Participant? Remove(string idOrIdentity, string reason)
    {
        if (_members.FindByIdOrIdentity(idOrIdentity) is not { } participant)
        {
            return null;
        }

        _logger.LogInformation("Room {Room}: operator removes {Participant} ({Reason})", _room, idOrIdentity, reason);
        Dismiss(participant, ErrorCodes.Removed, "you were removed from the room by the operator" + Because(reason));
        return participant;
    }

    public AdminOutcome Mute(RoomCommand.MuteTrack mute)
    {
        if (_members.FindByIdOrIdentity(mute.ParticipantId) is not { } participant)
        {
            return AdminOutcome.ParticipantNotFound;
        }

        string? kind = mute.Kind;
        if (mute.TrackId is { } trackId)
        {
            if (participant.Tracks.Find(t => t.Id == trackId) is not { } track)
            {
                return AdminOutcome.TrackNotFound;
            }

            kind = track.Kind;
        }

        if (kind is not ("audio" or "video"))
        {
            return AdminOutcome.TrackNotFound;
        }

        if (mute.Muted)
        {
            participant.OperatorMuted.Add(kind);
        }
        else
        {
            participant.OperatorMuted.Remove(kind);
        }

        if (kind == "audio")
        {
            participant.AudioMuted = mute.Muted;
        }
        else
        {
            participant.VideoMuted = mute.Muted;
        }

        participant.Session?.SetPublisherMuted(kind, mute.Muted);
        _logger.LogInformation("Room {Room}: operator {Action} {Kind} of {Participant}", _room, mute.Muted ? "mutes" : "unmutes", kind, participant.Id);

        // The owner too: its page mutes the local track and shows it.
        _members.Broadcast(new SignalMessage { Type = MessageTypes.Mute, ParticipantId = participant.Id, Kind = kind, Muted = mute.Muted, From = SignalTargets.Server }, except: null);
        return AdminOutcome.Done;
    }

    /// <summary>Tells everyone the room is closed and closes their connections; returns them (the caller makes each leave).</summary>
    public Participant[] DismissAll(string reason)
    {
        _logger.LogInformation("Room {Room}: closed by the operator ({Reason})", _room, reason);
        Participant[] everyone = [.. _members.All];
        foreach (var participant in everyone)
        {
            Dismiss(participant, ErrorCodes.RoomClosed, "the operator closed the room" + Because(reason));
        }

        return everyone;
    }

    private static void Dismiss(Participant participant, string code, string reason) => participant.Connection.Disconnect(code, reason);

    private static string Because(string reason) => string.IsNullOrWhiteSpace(reason) ? "" : ": " + reason;
}
