namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// The one rule for comparing room names: exact and case-sensitive (ordinal). A name is 1-64 ASCII characters
/// (<see cref="Signaling.SignalingValidator.IsValidRoomName"/>), so ordinal equality is byte equality and there is
/// nothing to normalise: <c>Standup</c> and <c>standup</c> are two rooms. The registry, join tokens, <c>roomAdmin</c>
/// grants and the Room API all compare with this, so a grant for one spelling never reaches the other (issue #12, 1).
/// </summary>
public static class RoomName
{
    public static StringComparer Comparer => StringComparer.Ordinal;

    public static bool Same(string? a, string? b) => string.Equals(a, b, StringComparison.Ordinal);
}
