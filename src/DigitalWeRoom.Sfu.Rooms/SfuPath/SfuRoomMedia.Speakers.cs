using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// Active speaker (issue #4 item 6): the router's <see cref="Media.Speech.DominantSpeakerDetector"/> decides on the
/// media timer; the change is marshalled onto the room's control loop (never blocking the timer), where every session
/// is told (<c>speaker</c>) and recomputes its last-N set.
/// </summary>
public sealed partial class SfuRoomMedia : Media.Speech.IDominantSpeakerListener
{
    private Action<Action>? _post;
    private bool _detached;

    /// <summary>Last-N for every subscriber in this room (Sfu:Media:LastN).</summary>
    public int LastN { get; init; } = Media.Speech.LastNSelector.DefaultN;

    /// <summary>The current dominant speaker as last applied on the room loop (null: none yet).</summary>
    public string? DominantSpeaker { get; private set; }

    /// <summary>Past dominant speakers, most recent first (a copy taken under the detector's lock).</summary>
    public IReadOnlyList<string> SpeakerHistory { get; private set; } = [];

    /// <summary>Every session's host posts to the same room loop; the first one is kept for the media timer's callbacks.</summary>
    private void AttachLoop(Rooms.ISfuSessionHost host)
    {
        if (_post is not null)
        {
            return;
        }

        _post = host.Post;
        Router.Speakers.Detector.Listener = this;
    }

    private void DetachLoop()
    {
        _detached = true;
        Router.Speakers.Detector.Listener = null;
    }

    /// <summary>Media timer thread (inside the detector's lock): only queue the work.</summary>
    void Media.Speech.IDominantSpeakerListener.OnDominantSpeakerChanged(string? participantId)
    {
        var history = Router.Speakers.Detector.History.ToArray();
        _post?.Invoke(() => OnDominantSpeakerChanged(participantId, history));
    }

    /// <summary>Room loop.</summary>
    internal void OnDominantSpeakerChanged(string? participantId, IReadOnlyList<string> history)
    {
        if (_detached)
        {
            return;
        }

        SpeakerHistory = history;
        var changed = DominantSpeaker != participantId;
        DominantSpeaker = participantId;
        Logger.LogDebug("Room {Room}: dominant speaker {Speaker}", Router.Id, participantId ?? "(none)");
        foreach (var session in _sessions)
        {
            if (changed)
            {
                session.SendSpeaker(participantId);
            }

            session.ApplyLastN();
        }
    }
}
