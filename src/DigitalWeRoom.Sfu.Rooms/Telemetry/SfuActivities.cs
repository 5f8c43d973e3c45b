using System.Diagnostics;

namespace DigitalWeRoom.Sfu.Rooms.Telemetry;

/// <summary>
/// Traces of signaling and room operations. Activities are created only when someone listens:
/// the OTLP exporter (when the host's OTLP endpoint is set) and
/// the host's metrics, which turns join durations into <c>sfu_join_latency_seconds</c>.
/// </summary>
public static class SfuActivities
{
    public const string SourceName = "DigitalWeRoom.Sfu";

    /// <summary>A participant joins a room (signaling join → joined or an error).</summary>
    public const string Join = "sfu.join";

    /// <summary>An SDP offer/answer exchange on a participant's server connection.</summary>
    public const string Negotiate = "sfu.negotiate";

    /// <summary>A room changes mode (P2P ↔ SFU); starts when the switch was first seen.</summary>
    public const string Switch = "sfu.switch";

    public const string RoomTag = "sfu.room";
    public const string ParticipantTag = "sfu.participant";
    public const string OutcomeTag = "sfu.outcome";
    public const string FromModeTag = "sfu.mode.from";
    public const string ToModeTag = "sfu.mode.to";
    public const string VersionTag = "sfu.negotiate.version";

    /// <summary><c>sfu.outcome</c> of an <c>sfu.negotiate</c> span whose answer was applied (others: invalid_answer,
    /// media_setup_failed, superseded, closed).</summary>
    public const string NegotiateApplied = "applied";

    public static ActivitySource Source { get; } = new(SourceName);

    /// <summary>The <c>outcome</c> label of <c>sfu_join_latency_seconds</c>.</summary>
    public static string JoinOutcome(JoinOutcome outcome) => outcome switch
    {
        Rooms.JoinOutcome.Joined => "joined",
        Rooms.JoinOutcome.RoomFull => "room_full",
        Rooms.JoinOutcome.TooManyRooms => "too_many_rooms",
        Rooms.JoinOutcome.UnsupportedCodec => "unsupported_codec",
        _ => "error",
    };
}

/// <summary>
/// Logging scope of a participant's signaling (JSON console: <c>"Scopes":[{"Room":"r1","Participant":"abc"}]</c>).
/// A list of pairs, so structured formatters emit them as named properties.
/// </summary>
public sealed class LogScope(string room, string? participant) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => participant is null ? 1 : 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("Room", room),
        1 when participant is not null => new("Participant", participant),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        for (var i = 0; i < Count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => participant is null ? $"Room:{room}" : $"Room:{room} Participant:{participant}";
}
