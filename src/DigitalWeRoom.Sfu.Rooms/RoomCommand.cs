using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>Everything that changes a room goes through its control loop as one of these.</summary>
internal abstract record RoomCommand
{
    public sealed record Join(IParticipantConnection Connection, string DisplayName, bool AllowP2p,
        IReadOnlyList<IceServerInfo> IceServers, TaskCompletionSource<JoinResult> Done) : RoomCommand
    {
        /// <summary>Video codecs the joiner can decode and encode; null when its page did not say.</summary>
        public IReadOnlyList<string>? VideoCodecs { get; init; }
    }

    public sealed record Leave(string ParticipantId, string Reason, TaskCompletionSource Done) : RoomCommand;

    public sealed record Signal(string ParticipantId, SignalMessage Message) : RoomCommand;

    public sealed record TimerFired(int Generation) : RoomCommand;

    public sealed record SessionSend(string ParticipantId, SignalMessage Message) : RoomCommand;

    public sealed record SessionStateChanged(string ParticipantId, SfuSessionState State) : RoomCommand;

    public sealed record Notify(SignalMessage Message) : RoomCommand;

    /// <summary>Work a media session marshals onto the loop from another thread (e.g. the media timer).</summary>
    public sealed record SessionCallback(Action Action) : RoomCommand;

    public sealed record Flush(TaskCompletionSource Done) : RoomCommand;

    /// <summary>The presence window ended: every member is told the joins and leaves held for it.</summary>
    public sealed record PresenceDue : RoomCommand;

    /// <summary>Operator commands (Room API). <see cref="Cancel"/> answers one that reached a closed room.</summary>
    public abstract record Admin : RoomCommand
    {
        public abstract void Cancel();
    }

    public sealed record RemoveParticipant(string ParticipantId, string Reason, TaskCompletionSource<AdminOutcome> Done) : Admin
    {
        public override void Cancel() => Done.TrySetResult(AdminOutcome.RoomClosed);
    }

    public sealed record MuteTrack(string ParticipantId, string? TrackId, string? Kind, bool Muted, TaskCompletionSource<AdminOutcome> Done) : Admin
    {
        public override void Cancel() => Done.TrySetResult(AdminOutcome.RoomClosed);
    }

    public sealed record CloseRoom(string Reason, TaskCompletionSource<AdminOutcome> Done) : Admin
    {
        public override void Cancel() => Done.TrySetResult(AdminOutcome.RoomClosed);
    }
}
