using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>What an operator command did (the Room API maps it to a status code).</summary>
public enum AdminOutcome
{
    Done,
    ParticipantNotFound,
    TrackNotFound,

    /// <summary>The room closed (emptied or was closed) before the command ran.</summary>
    RoomClosed,
}

/// <summary>
/// Operator commands (the Room API, docs/security.md): remove a participant, mute what it publishes, close the room.
/// They run on the control loop like every other command, so they never race a join, a leave or a negotiation.
/// </summary>
public sealed partial class Room
{
    /// <summary>
    /// Removes a participant: it gets an <c>error</c> with code <c>removed</c> and its connection is closed; the
    /// others get <c>participant-left</c>; the room keeps running (it closes only if it is now empty).
    /// </summary>
    public Task<AdminOutcome> RemoveParticipantAsync(string participantId, string reason) =>
        RunAdminAsync(done => new RoomCommand.RemoveParticipant(participantId, reason, done));

    /// <summary>
    /// Mutes (or unmutes) what a participant publishes of one kind, named by <paramref name="kind"/> ("audio",
    /// "video") or by one of its published <paramref name="trackId"/>s: the server stops forwarding it and everyone,
    /// the owner included, gets a <c>mute</c> message. Until the operator unmutes, the owner cannot unmute itself.
    /// </summary>
    public Task<AdminOutcome> MuteAsync(string participantId, string? trackId, string? kind, bool muted) =>
        RunAdminAsync(done => new RoomCommand.MuteTrack(participantId, trackId, kind, muted, done));

    /// <summary>Closes the room: everyone gets an <c>error</c> with code <c>room-closed</c> and is disconnected; the room is removed.</summary>
    public Task<AdminOutcome> CloseAsync(string reason) =>
        RunAdminAsync(done => new RoomCommand.CloseRoom(reason, done));

    private async Task<AdminOutcome> RunAdminAsync(Func<TaskCompletionSource<AdminOutcome>, RoomCommand.Admin> create)
    {
        var done = new TaskCompletionSource<AdminOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        return await TryPostAsync(create(done), CancellationToken.None) ? await done.Task : AdminOutcome.RoomClosed;
    }

    private async ValueTask OnAdminAsync(RoomCommand.Admin command)
    {
        switch (command)
        {
            case RoomCommand.RemoveParticipant remove:
                remove.Done.TrySetResult(await OnRemoveAsync(remove.ParticipantId, remove.Reason));
                break;
            case RoomCommand.MuteTrack mute:
                mute.Done.TrySetResult(OnOperatorMute(mute));
                break;
            case RoomCommand.CloseRoom close:
                await OnCloseByOperatorAsync(close.Reason);
                close.Done.TrySetResult(AdminOutcome.Done);
                break;
        }
    }

    /// <summary>
    /// A join with an identity already in the room (a reload, a second tab, another device) replaces the old session at
    /// once, so the others never see a ghost tile: the old one is told why and leaves before the new one is added.
    /// </summary>
    private async ValueTask OnReplaceSameIdentityAsync(string? identity)
    {
        if (identity is null || _participants.Find(p => p.Identity == identity) is not { } old)
        {
            return;
        }

        _logger.LogInformation("Room {Room}: {Participant} replaced by a new session of the same identity", Name, old.Id);
        Dismiss(old, ErrorCodes.Replaced, "you joined this room again from another session");
        await OnLeaveAsync(old.Id, "replaced by a new session of the same identity");
    }

    /// <summary>The Room API addresses a participant by its id or by its token identity.</summary>
    private Participant? FindByIdOrIdentity(string idOrIdentity) =>
        Find(idOrIdentity) ?? _participants.Find(p => p.Identity == idOrIdentity);

    private async ValueTask<AdminOutcome> OnRemoveAsync(string participantId, string reason)
    {
        if (FindByIdOrIdentity(participantId) is not { } participant)
        {
            return AdminOutcome.ParticipantNotFound;
        }

        _logger.LogInformation("Room {Room}: operator removes {Participant} ({Reason})", Name, participantId, reason);
        Dismiss(participant, ErrorCodes.Removed, "you were removed from the room by the operator" + Because(reason));
        await OnLeaveAsync(participant.Id, "removed by the operator");
        return AdminOutcome.Done;
    }

    private AdminOutcome OnOperatorMute(RoomCommand.MuteTrack mute)
    {
        if (FindByIdOrIdentity(mute.ParticipantId) is not { } participant)
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
        _logger.LogInformation("Room {Room}: operator {Action} {Kind} of {Participant}", Name, mute.Muted ? "mutes" : "unmutes", kind, participant.Id);

        // The owner too: its page mutes the local track and shows it.
        Broadcast(new SignalMessage { Type = MessageTypes.Mute, ParticipantId = participant.Id, Kind = kind, Muted = mute.Muted, From = SignalTargets.Server }, except: null);
        return AdminOutcome.Done;
    }

    private async ValueTask OnCloseByOperatorAsync(string reason)
    {
        _logger.LogInformation("Room {Room}: closed by the operator ({Reason})", Name, reason);
        Participant[] everyone = [.. _participants];
        foreach (var participant in everyone)
        {
            Dismiss(participant, ErrorCodes.RoomClosed, "the operator closed the room" + Because(reason));
        }

        // The usual leave path, so sessions are disposed and the last leave closes and unregisters the room.
        foreach (var participant in everyone)
        {
            await OnLeaveAsync(participant.Id, "room closed by the operator");
        }
    }

    private static void Dismiss(Participant participant, string code, string reason) => participant.Connection.Disconnect(code, reason);

    private static bool IsMutedByOperator(Participant participant, string kind) => participant.OperatorMuted.Contains(kind);

    private static string Because(string reason) => string.IsNullOrWhiteSpace(reason) ? "" : ": " + reason;
}
