using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>An immutable picture of a room, published by its control loop after every command (for <c>GET /api/rooms</c>).</summary>
public sealed record RoomSnapshot(string Name, string Mode, IReadOnlyList<ParticipantInfo> Participants)
{
    /// <summary>RTP packets the server forwarded in this room (filled in when listed).</summary>
    public long ForwardedPackets { get; init; }

    /// <summary>The video codec the room forwards (fixed by its first participant); null before anybody joined.</summary>
    public string? VideoCodec { get; init; }
}

public enum JoinOutcome
{
    Joined,
    RoomFull,
    TooManyRooms,
    RoomClosed,

    /// <summary>The joiner cannot decode the room's video codec (or none the server offers); <see cref="JoinResult.Detail"/> says why.</summary>
    UnsupportedCodec,
}

/// <summary>The result of a join: on success the room and the new participant's id.</summary>
public readonly record struct JoinResult(JoinOutcome Outcome, Room? Room, string? ParticipantId)
{
    /// <summary>A human-readable reason for a refusal (e.g. the codec mismatch).</summary>
    public string? Detail { get; init; }
}
