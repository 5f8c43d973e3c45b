using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>An immutable picture of a room, published by its control loop after every command (for <c>GET /api/rooms</c>).</summary>
public sealed record RoomSnapshot(string Name, string Mode, IReadOnlyList<ParticipantInfo> Participants)
{
    /// <summary>RTP packets the server forwarded in this room (filled in when listed).</summary>
    public long ForwardedPackets { get; init; }
}

public enum JoinOutcome
{
    Joined,
    RoomFull,
    TooManyRooms,
    RoomClosed,
}

/// <summary>The result of a join: on success the room and the new participant's id.</summary>
public readonly record struct JoinResult(JoinOutcome Outcome, Room? Room, string? ParticipantId);
