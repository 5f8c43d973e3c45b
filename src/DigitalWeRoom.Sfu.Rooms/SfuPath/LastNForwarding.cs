using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Media.Speech;
using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// Active speaker, last-N and the forwarding gate for one participant's session (issue #4 item 6,
/// docs/media-routing.md). As a publisher its microphone producer feeds the room's speaker detector (RFC 6464 levels,
/// extension id from the negotiation). As a subscriber it receives video only from the N most relevant others
/// (<see cref="LastNSelector"/>: recent speakers, then pinned, then on screen as its page reports in <c>view</c>); the
/// other video consumers are paused at the server and resumed with a key-frame request (served from the key-frame
/// cache). A consumer forwards only while the room forwards through the server (<see cref="SetForwarding"/>), the
/// subscriber's transport is connected and last-N selects it. Every change of the forwarded set is reported in a
/// <c>video-forwarded</c> message, which also lists the videos the subscriber's bandwidth allocation paused
/// (<c>bandwidth</c>: their lowest layer does not fit its estimate). It reads the session's consumers and
/// subscriptions, never changes them. Room loop only, except <see cref="OnBandwidthPausesChanged"/>.
/// </summary>
internal sealed class LastNForwarding
{
    /// <summary>A page's <c>view</c> is applied at most this often; a newer one in between is applied when the interval ends.</summary>
    public static readonly TimeSpan ViewApplyInterval = TimeSpan.FromMilliseconds(250);

    private readonly SfuRoomMedia _room;
    private readonly ISfuSessionHost _host;
    private readonly string _participantId;
    private readonly Dictionary<string, Consumer> _consumers;
    private readonly Subscriptions _subscribed;
    private readonly List<SpeakerActivity> _speakers = [];
    private readonly List<string> _resumed = [];
    private readonly List<string> _paused = [];
    private LastNState? _lastN;
    private string _forwardedKey = "";
    private long _viewAppliedAt;
    private ITimer? _viewTimer;
    private bool _forwarding = true;
    private bool _mediaConnected;
    private bool _closed;
    private int _bandwidthReportPending;

    /// <param name="consumers">The session's consumers by track id (read here, changed only by the session).</param>
    /// <param name="subscribed">The publishers the session subscribes to (read here, changed only by the session).</param>
    public LastNForwarding(SfuRoomMedia room, ISfuSessionHost host, string participantId, Dictionary<string, Consumer> consumers, Subscriptions subscribed)
    {
        _room = room;
        _host = host;
        _participantId = participantId;
        _consumers = consumers;
        _subscribed = subscribed;
    }

    private LastNState LastN => _lastN ??= new LastNState(_room.LastN);

    /// <summary>Participants whose video this subscriber currently receives.</summary>
    public IReadOnlyCollection<string> Active => LastN.Active;

    /// <summary>Whether a new consumer of <paramref name="producer"/> starts forwarding (else it starts paused).</summary>
    public bool Forwards(Producer producer) => _forwarding && _mediaConnected && IsForwardedByLastN(producer);

    /// <summary>Tells this participant who the dominant speaker is (null: nobody; then nothing is sent before the first one).</summary>
    internal void SendSpeaker(string? participantId)
    {
        if (_closed || participantId is null && _room.SpeakerHistory.Count == 0)
        {
            return;
        }

        _host.Send(new SignalMessage { Type = MessageTypes.Speaker, ParticipantId = participantId });
    }

    /// <summary>The page's <c>view</c>: tiles on screen and pinned, applied at most every <see cref="ViewApplyInterval"/>.</summary>
    public string? SetView(IReadOnlyList<string> visible, IReadOnlyList<string> pinned)
    {
        if (_closed)
        {
            return null;
        }

        // Only ids of participants this one receives count; the rest is ignored (the validator bounded the lists).
        Replace(LastN.OnScreen, visible);
        Replace(LastN.Pinned, pinned);
        var time = _room.Router.Time;
        var now = time.GetTimestamp();
        var since = time.GetElapsedTime(_viewAppliedAt, now);
        if (_viewAppliedAt == 0 || since >= ViewApplyInterval)
        {
            _viewAppliedAt = now;
            Apply();
        }
        else
        {
            _viewTimer ??= time.CreateTimer(static state => ((LastNForwarding)state!).OnViewTimer(), this, ViewApplyInterval - since, Timeout.InfiniteTimeSpan);
        }

        return null;
    }

    private void Replace(HashSet<string> set, IReadOnlyList<string> ids)
    {
        set.Clear();
        foreach (var id in ids)
        {
            if (_subscribed.Contains(id))
            {
                set.Add(id);
            }
        }
    }

    /// <summary>Timer thread: the deferred view goes through the room loop.</summary>
    private void OnViewTimer() => _host.Post(() =>
    {
        _viewTimer?.Dispose();
        _viewTimer = null;
        _viewAppliedAt = _room.Router.Time.GetTimestamp();
        Apply();
    });

    /// <summary>Room loop: the transport connected (DTLS done); consumers created before start forwarding now.</summary>
    internal void OnMediaConnected()
    {
        if (_closed || _mediaConnected)
        {
            return;
        }

        _mediaConnected = true;
        foreach (var consumer in _consumers.Values)
        {
            if (_forwarding && !consumer.IsClosed && IsForwardedByLastN(consumer.Producer))
            {
                consumer.Resume();
            }
        }
    }

    /// <summary>
    /// False while the room is peer-to-peer: every consumer pauses. True: those last-N selects resume once the
    /// transport is connected.
    /// </summary>
    internal void SetForwarding(bool enabled)
    {
        _forwarding = enabled;
        foreach (var consumer in _consumers.Values)
        {
            if (enabled)
            {
                if (_mediaConnected && IsForwardedByLastN(consumer.Producer))
                {
                    consumer.Resume();
                }
            }
            else
            {
                consumer.Pause();
            }
        }
    }

    /// <summary>Recomputes the forwarded set and pauses/resumes video consumers to match; reports a change.</summary>
    internal void Apply()
    {
        if (_closed)
        {
            return;
        }

        var candidates = VideoPublishers();
        LastN.Update(candidates, _room.SpeakerHistory, _resumed, _paused);
        foreach (var consumer in _consumers.Values)
        {
            if (consumer.IsClosed || consumer.Kind != MediaKind.Video)
            {
                continue;
            }

            consumer.IsPinned = LastN.Pinned.Contains(consumer.Producer.Publisher.Id);
            if (!IsForwardedByLastN(consumer.Producer))
            {
                consumer.Pause();
            }
            else if (_forwarding && _mediaConnected)
            {
                // Resume asks the publisher for a key frame and replays the key-frame cache meanwhile.
                consumer.Resume();
            }
        }

        ReportForwarded(candidates);
    }

    /// <summary>Other participants this one receives that publish video, in join order.</summary>
    private List<string> VideoPublishers()
    {
        var result = new List<string>();
        foreach (var publisher in _room.Publishers)
        {
            if (_subscribed.Contains(publisher.ParticipantId) && publisher.Published.Any(t => t.Kind == MediaKind.Video && !t.Lowest.IsClosed))
            {
                result.Add(publisher.ParticipantId);
            }
        }

        return result;
    }

    private bool IsForwardedByLastN(Producer producer) =>
        producer.Kind != MediaKind.Video || LastN.Active.Contains(producer.Publisher.Id);

    /// <summary>
    /// Subscriber's receive loop (allocation): some video was paused or resumed for bandwidth. Coalesced: at most one
    /// report is pending on the room loop at a time, and it reads the state then.
    /// </summary>
    internal void OnBandwidthPausesChanged()
    {
        if (Interlocked.Exchange(ref _bandwidthReportPending, 1) != 0)
        {
            return;
        }

        _host.Post(() =>
        {
            Volatile.Write(ref _bandwidthReportPending, 0);
            if (!_closed)
            {
                ReportForwarded(VideoPublishers());
            }
        });
    }

    /// <summary>
    /// Participants with a video consumer paused for bandwidth (their camera tile shows the note; an unused screen
    /// slot is never paused, so it does not count as flowing).
    /// </summary>
    private HashSet<string> BandwidthPaused()
    {
        var paused = new HashSet<string>(StringComparer.Ordinal);
        foreach (var consumer in _consumers.Values)
        {
            if (!consumer.IsClosed && consumer.Kind == MediaKind.Video && !consumer.IsPaused && consumer.IsBandwidthPaused)
            {
                paused.Add(consumer.Producer.Publisher.Id);
            }
        }

        return paused;
    }

    private void ReportForwarded(List<string> candidates)
    {
        var held = BandwidthPaused();
        var on = candidates.Where(c => LastN.Active.Contains(c) && !held.Contains(c)).ToArray();
        var off = candidates.Where(c => !LastN.Active.Contains(c) || held.Contains(c)).ToArray();
        var bandwidth = candidates.Where(c => LastN.Active.Contains(c) && held.Contains(c)).ToArray();
        var key = string.Join(',', on) + "|" + string.Join(',', off) + "|" + string.Join(',', bandwidth);
        // Nothing to say until someone publishes video (the first report then lists everyone).
        if (key == _forwardedKey || (key == "||" && _forwardedKey.Length == 0))
        {
            return;
        }

        _forwardedKey = key;
        _host.Send(new SignalMessage { Type = MessageTypes.VideoForwarded, On = on, Off = off, Bandwidth = bandwidth.Length > 0 ? bandwidth : null });
    }

    /// <summary>Room loop: this participant's microphone producer feeds the room's speaker detector.</summary>
    internal void AttachSpeaker(Producer producer)
    {
        var speaker = _room.Router.Speakers.With(d => d.AddSpeaker(_participantId));
        producer.Speaker = speaker;
        _speakers.Add(speaker);
    }

    /// <summary>The session closed: nothing more is applied or sent; the view timer stops and the speakers leave the detector.</summary>
    internal void Close()
    {
        _closed = true;
        _viewTimer?.Dispose();
        _viewTimer = null;
        foreach (var speaker in _speakers)
        {
            _room.Router.Speakers.With(d =>
            {
                d.RemoveSpeaker(speaker);
                return true;
            });
        }

        _speakers.Clear();
    }
}
