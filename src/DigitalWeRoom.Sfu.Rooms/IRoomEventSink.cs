using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// Room events, called on the room's own control loop in the order they happen (metrics, webhooks). An
/// implementation must return at once: count, enqueue into a bounded queue, never wait or do I/O, since the loop
/// that calls it also serves the room. Exceptions are caught and logged by the room. Every method has an empty
/// default, so a sink implements only what it needs. <paramref name="participantCount"/> is the count after the event.
/// </summary>
public interface IRoomEventSink
{
    /// <summary>The room's control loop started (before its first participant is added).</summary>
    void OnRoomStarted(string room)
    {
    }

    /// <summary>The last participant left; the room is closed (after that participant's <see cref="OnParticipantLeft"/>).</summary>
    void OnRoomFinished(string room)
    {
    }

    void OnParticipantJoined(string room, ParticipantInfo participant, int participantCount)
    {
    }

    void OnParticipantLeft(string room, ParticipantInfo participant, int participantCount, string reason)
    {
    }

    /// <summary>A track id this participant had not published before (a re-announced track is not repeated).</summary>
    void OnTrackPublished(string room, ParticipantInfo participant, TrackInfo track, int participantCount)
    {
    }

    /// <summary>The room changed mode (wire names p2p, switching, sfu) after <paramref name="timeInPreviousMode"/> in <paramref name="from"/>.</summary>
    void OnModeSwitched(string room, string from, string to, TimeSpan timeInPreviousMode)
    {
    }
}
