using System.Diagnostics;
using DigitalWeRoom.Sfu.Rooms.Telemetry;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// <c>sfu.negotiate</c>: one session's span from our offer to the answer applied (or refused, or the session closing
/// first). Started detached from the room loop's context, so the loop's later work does not become its children.
/// Room loop only.
/// </summary>
internal sealed class NegotiationSpan
{
    private Activity? _current;

    /// <summary>A new offer went out: ends the previous span (superseded) and starts one for this offer.</summary>
    public void Start(string roomId, string participantId, ulong version)
    {
        End("superseded");
        var previous = Activity.Current;
        _current = SfuActivities.Source.StartActivity(SfuActivities.Negotiate, ActivityKind.Internal, parentContext: default);
        Activity.Current = previous;
        _current?.SetTag(SfuActivities.RoomTag, roomId);
        _current?.SetTag(SfuActivities.ParticipantTag, participantId);
        _current?.SetTag(SfuActivities.VersionTag, version);
    }

    /// <summary>Ends the open span, if any, with <paramref name="outcome"/> (anything but applied is an error).</summary>
    public void End(string outcome)
    {
        if (_current is not { } span)
        {
            return;
        }

        _current = null;
        span.SetTag(SfuActivities.OutcomeTag, outcome);
        if (outcome != SfuActivities.NegotiateApplied)
        {
            span.SetStatus(ActivityStatusCode.Error, outcome);
        }

        span.Stop();
    }
}
