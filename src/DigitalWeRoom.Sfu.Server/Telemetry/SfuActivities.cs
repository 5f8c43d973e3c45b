using System.Diagnostics;

namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>
/// Traces of signaling and room operations. Activities are created only when someone listens:
/// the OTLP exporter (when <see cref="TelemetryOptions.OtlpEndpoint"/> is set) and
/// <see cref="SfuMetrics"/>, which turns join durations into <c>sfu_join_latency_seconds</c>.
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

    public static ActivitySource Source { get; } = new(SourceName);
}
