using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Rooms.Telemetry;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// One participant's connection to the server: negotiation (the server always offers), its
/// WebRtcTransport on the shared port, its MediaTransport in the room's Router, producers for what it
/// publishes and consumers for what it receives. Room-loop calls only, except the transport listener
/// callbacks, which run on the UDP receive thread and touch nothing but the media transport. What it publishes is
/// <see cref="PublishedTracks"/>; speaker, last-N and the forwarding gate <see cref="LastNForwarding"/>; tile sizes <see cref="VideoSizeRequests"/>.
/// </summary>
public sealed class SfuSession : ISfuSession, ISimulcastSession, IMediaTransportListener
{
    private readonly SfuRoomMedia _room;
    private readonly ISfuSessionHost _host;
    private IceCredentials _localIce = IceCredentials.Generate();
    private readonly SfuNegotiator _negotiator;
    private readonly Dictionary<string, Consumer> _consumers = [];
    private readonly Subscriptions _subscribed;
    private string _lastRequest = "";
    private bool _renegotiate;
    private bool _forceOffer;
    private bool _canSubscribe = true;
    private bool _disposed;
    private volatile WebRtcTransport? _transport;
    private volatile MediaTransport? _media;
    private readonly NegotiationSpan _negotiation = new();
    private readonly LastNForwarding _lastN;
    private readonly VideoSizeRequests _videoSizes;
    private readonly PublishedTracks _published;

    public SfuSession(SfuRoomMedia room, string participantId, ISfuSessionHost host)
    {
        _room = room;
        _host = host;
        ParticipantId = participantId;
        Timeline = new SfuSessionTimeline(room.Router.Time, () => _consumers.Values);
        _subscribed = new Subscriptions(room, participantId);
        _lastN = new LastNForwarding(room, host, participantId, _consumers, _subscribed);
        _videoSizes = new VideoSizeRequests(room, _consumers);
        _published = new PublishedTracks(room, this, _lastN);
        var endpoint = room.Endpoint;
        _negotiator = SfuNegotiator.Create(room.Negotiation, new LocalTransportParameters(
            _localIce.Ufrag, _localIce.Password, endpoint.Certificate.Fingerprint.ToSdpValue(),
            endpoint.LocalCandidates.Select(c => c.ToSdpValue()).ToArray()));
    }

    public string ParticipantId { get; }

    /// <summary>When this session's connection steps first happened (first-remote-frame timeline).</summary>
    public SfuSessionTimeline Timeline { get; }

    /// <summary>The participant's transport once its first offer was answered (its selected path: UDP or ICE-TCP).</summary>
    public WebRtcTransport? IceTransport => _transport;

    /// <summary>The tracks this participant publishes, by publish section (each with all its simulcast layers).</summary>
    public IReadOnlyCollection<PublishedTrack> Published => _published.Tracks;

    /// <summary>This participant's speaker and last-N state (the room tells it of speaker changes).</summary>
    internal LastNForwarding LastN => _lastN;

    /// <summary>Participants whose video this subscriber currently receives.</summary>
    public IReadOnlyCollection<string> ForwardedVideo => _lastN.Active;

    /// <summary>video-size messages ignored by the rate limit.</summary>
    public long VideoSizesDropped => _videoSizes.Dropped;

    public void Start() => Renegotiate();

    public bool IsSubscribedTo(string participantId) => _subscribed.Contains(participantId);

    /// <summary>Sends a new offer when the desired state changed; one offer at a time (the next waits for the answer).</summary>
    public void Renegotiate()
    {
        if (_disposed)
        {
            return;
        }

        if (_negotiator.HasPendingOffer)
        {
            _renegotiate = true;
            return;
        }

        var subscriptions = BuildSubscriptions();
        var key = string.Join(",", subscriptions.Select(s => s.TrackId));
        if (_negotiator.Version != 0 && key == _lastRequest && !_forceOffer)
        {
            return;
        }

        _forceOffer = false;

        if (!_negotiator.TryCreateOffer(new OfferRequest(true, true, true, subscriptions), out var sdp, out var error))
        {
            _room.Logger.LogWarning("SFU {Participant}: no offer: {Error}", ParticipantId, error);
            return;
        }

        _lastRequest = key;
        _negotiation.Start(_room.Router.Id, ParticipantId, _negotiator.Version);
        _host.Send(new SignalMessage { Type = MessageTypes.Offer, Sdp = sdp });
        Timeline.OnOfferSent();
    }

    /// <summary>
    /// ICE restart (RFC 8445 §9): new local credentials, registered on the port at once (the old ones keep working
    /// until a check with the new ones arrives), and a new offer carrying them. DTLS and SRTP stay as they are.
    /// </summary>
    public string? RestartIce()
    {
        if (_disposed || _transport is not { } transport)
        {
            return "no server connection to restart yet";
        }

        _localIce = IceCredentials.Generate();
        transport.BeginIceRestart(_localIce);
        _negotiator.SetLocalIce(_localIce.Ufrag, _localIce.Password);
        _forceOffer = true;
        Renegotiate();
        return null;
    }

    /// <summary>The tracks of the room's publishers this one is subscribed to, in join order: O(publishers), not O(room).</summary>
    private List<SubscribedTrack> BuildSubscriptions()
    {
        var tracks = new List<SubscribedTrack>();
        foreach (var publisher in _room.Publishers)
        {
            string publisherId = publisher.ParticipantId;
            if (!_subscribed.Contains(publisherId))
            {
                continue;
            }

            foreach (var track in publisher.Published.OrderBy(t => t.Lowest.Mid, StringComparer.Ordinal))
            {
                var kind = track.Kind;
                var stream = track.Source == SlotPurpose.PublishScreen ? publisherId + "-screen" : publisherId;
                tracks.Add(new SubscribedTrack(track.TrackId, kind, stream, track.TrackId, publisherId));
            }
        }

        return tracks;
    }

    public string? ApplyAnswer(string sdp)
    {
        if (_disposed)
        {
            return "session closed";
        }

        if (!_negotiator.HasPendingOffer)
        {
            return "no server offer is outstanding";
        }

        if (!_negotiator.TryApplyAnswer(sdp, out var result, out var error))
        {
            _negotiation.End("invalid_answer");
            return error;
        }

        try
        {
            EnsureTransport(result);
            _transport!.SetRemoteIce(result.RemoteIceUfrag, result.RemoteIcePwd);
            if (_published.Sync(result, _media!))
            {
                _room.OnProducersChanged(this);
            }

            SyncConsumers(result);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            _room.Logger.LogWarning(e, "SFU {Participant}: answer accepted but media setup failed", ParticipantId);
            _negotiation.End("media_setup_failed");
            return "server could not set up media: " + e.Message;
        }

        _negotiation.End(SfuActivities.NegotiateApplied);
        Timeline.OnAnswerApplied();
        if (_renegotiate)
        {
            _renegotiate = false;
            Renegotiate();
        }

        return null;
    }

    private void EnsureTransport(NegotiationResult result)
    {
        if (_transport is not null)
        {
            return;
        }

        var transport = SfuTransports.Create(_room.Endpoint, result, _localIce);
        var extensions = HeaderExtensionSpec.IdsOf(_room.Negotiation.HeaderExtensions);

        // The media side listens to the transport and sends through it: packets never pass through this session.
        _media = _room.Router.CreateTransport(ParticipantId, transport, extensions, listener: this);
        transport.Listener = _media;
        _transport = transport;
        // A fast browser's first checks may have overtaken its answer (RFC 8838): answer them now, not on a retransmit.
        transport.ProcessEarlyChecks();
    }

    /// <summary>Consumers for the subscribe sections the client receives on; others are closed.</summary>
    private void SyncConsumers(NegotiationResult result)
    {
        var wanted = new Dictionary<string, NegotiatedMedia>();
        foreach (var media in result.Media)
        {
            if (media.Purpose == SlotPurpose.Subscribe && media.Track is { } track && media.ClientReceives && media.LocalSsrc != 0)
            {
                wanted[track.TrackId] = media;
            }
        }

        foreach (var (trackId, consumer) in _consumers.ToArray())
        {
            if (!wanted.ContainsKey(trackId) || consumer.IsClosed)
            {
                if (!consumer.IsClosed)
                {
                    _room.Router.CloseConsumer(consumer);
                }

                _consumers.Remove(trackId);
            }
        }

        foreach (var (trackId, media) in wanted)
        {
            if (_consumers.ContainsKey(trackId) || !_room.Router.TryGetProducer(trackId, out var producer) || producer.IsClosed)
            {
                continue;
            }

            _consumers[trackId] = _room.Router.CreateConsumer(_media!, producer,
                _videoSizes.WithLayers(new ConsumerOptions($"{ParticipantId}<{trackId}", media.LocalSsrc)
                {
                    // Paused until the subscriber's transport is up: resuming then replays the key-frame cache to a
                    // connection that can carry it (before DTLS completes those packets could not be sent).
                    Paused = !_lastN.Forwards(producer),
                    RtxSsrc = media.LocalRtxSsrc,
                    RtxPayloadTypes = media.RtxPayloadTypePairs(rtxFirst: false),
                    Nack = media.NegotiatedNack,
                }, producer));
        }

        _lastN.Apply();
    }

    public void AddRemoteCandidate(IceCandidateInfo candidate)
    {
        // ICE-lite (RFC 8445 §2.5): the server learns the client's address from its checks.
    }

    public void SetSubscriptions(IReadOnlyList<string> publisherParticipantIds)
    {
        _subscribed.Set(publisherParticipantIds, _canSubscribe);

        OnSubscriptionsChanged();
    }

    public void Subscribe(string publisherParticipantId)
    {
        _subscribed.Add(publisherParticipantId, _canSubscribe);

        OnSubscriptionsChanged();
    }

    public void Unsubscribe(string publisherParticipantId)
    {
        _subscribed.Remove(publisherParticipantId);
        OnSubscriptionsChanged();
    }

    /// <summary>Drops closed consumers, re-applies last-N and renegotiates if the offered tracks changed.</summary>
    private void OnSubscriptionsChanged()
    {
        foreach (var (trackId, consumer) in _consumers.ToArray())
        {
            if (consumer.IsClosed)
            {
                _consumers.Remove(trackId);
            }
        }

        _lastN.Apply();
        Renegotiate();
    }

    public void SetPermissions(bool canPublish, bool canSubscribe)
    {
        _published.CanPublish = canPublish;
        _canSubscribe = canSubscribe;
    }

    public void SetPublisherMuted(string kind, bool muted) => _published.SetMuted(kind, muted);

    public void SetForwarding(bool enabled) => _lastN.SetForwarding(enabled);

    public string? SetView(IReadOnlyList<string> visible, IReadOnlyList<string> pinned) => _lastN.SetView(visible, pinned);

    /// <summary>Room loop: the page shows <paramref name="trackId"/> in a tile of this many device pixels.</summary>
    public void SetVideoSize(string trackId, int width, int height) => _videoSizes.Set(trackId, width, height);

    /// <summary>The published track whose lowest layer is <paramref name="lowest"/>; null if it is not this session's.</summary>
    public PublishedTrack? TrackOf(Producer lowest) => _published.TrackOf(lowest);

    /// <summary>Dynacast (any thread): tell this publisher which rids of its track to encode.</summary>
    internal void SendLayers(string trackId, string[] activeRids)
    {
        if (!_disposed)
        {
            _host.Send(new SignalMessage { Type = MessageTypes.Layers, TrackId = trackId, Active = activeRids });
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _negotiation.End("closed");
        _room.Remove(this);
        _lastN.Close();
        if (_transport is { State: WebRtcTransportState.New })
        {
            // An answer was applied but not one ICE check ever reached us (ICE-lite: the client's checks failed).
            _room.OnIceFailure();
        }

        _transport?.Close();
        if (_media is { } media)
        {
            await _room.Router.CloseTransport(media);
        }
    }

    // ---- IMediaTransportListener (UDP receive, DTLS or consent thread) ----

    public void OnTransportStateChanged(WebRtcTransport transport, WebRtcTransportState state)
    {
        if (state == WebRtcTransportState.Connected)
        {
            _host.Post(OnMediaConnected);
        }

        if (state == WebRtcTransportState.Failed)
        {
            _room.OnTransportFailed(dtls: transport.DtlsFailure != DtlsFailure.None);
        }

        _host.ReportState(SfuTransports.StateOf(transport, state));
    }

    /// <summary>
    /// Subscriber's receive loop (allocation): some video was paused or resumed for bandwidth; reported through the
    /// room loop (coalesced).
    /// </summary>
    public void OnBandwidthPausesChanged(MediaTransport transport) => _lastN.OnBandwidthPausesChanged();

    /// <summary>Room loop: the transport connected (DTLS done); consumers created before start forwarding now.</summary>
    private void OnMediaConnected()
    {
        if (_disposed)
        {
            return;
        }

        Timeline.OnMediaConnected();
        _lastN.OnMediaConnected();
    }
}
