using System.Collections.Concurrent;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Transport.Udp;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>One room's router and its participants' server sessions. Called only from the room's control loop.</summary>
public sealed class SfuRoomMedia : IRoomMedia, IProducerLayerListener, Media.Speech.IDominantSpeakerListener
{
    private readonly List<SfuSession> _sessions = [];
    private readonly Dictionary<string, SfuSession> _byParticipant = new(StringComparer.Ordinal);
    private readonly List<SfuSession> _publishers = [];
    private long _dtlsFailures;
    private long _consentExpiries;
    private long _iceFailures;

    public SfuRoomMedia(string roomName, UdpEndpoint endpoint, NegotiationOptions negotiation, TimeProvider time, ILogger logger, RouterOptions? routerOptions = null)
    {
        Endpoint = endpoint;
        Negotiation = negotiation;
        Logger = logger;
        Router = new Router(roomName, endpoint.Pool, time, routerOptions);
    }

    public Router Router { get; }

    public UdpEndpoint Endpoint { get; }

    /// <summary>What sessions offer; after <see cref="UseVideoCodec"/> only the room's video codec (+ RTX).</summary>
    public NegotiationOptions Negotiation { get; private set; }

    /// <summary>The room fixed its video codec: sessions created from now on offer only it, so every producer and consumer agrees.</summary>
    public void UseVideoCodec(string codec)
    {
        if (VideoCodecCatalog.Find(codec) is { } spec)
        {
            Negotiation = Negotiation with { Codecs = [.. Negotiation.Codecs.Where(c => c.Kind == MediaKind.Audio), spec] };
        }
    }

    public ILogger Logger { get; }

    public long PacketsForwarded => Router.Counters.ForwardedPackets;

    /// <summary>Sessions whose transport failed in DTLS, or on consent expiry (RFC 7675 §5.1); read by metrics.</summary>
    public long DtlsFailures => Volatile.Read(ref _dtlsFailures);

    public long ConsentExpiries => Volatile.Read(ref _consentExpiries);

    /// <summary>Sessions that closed with a transport that never received a valid ICE check after the answer.</summary>
    public long IceFailures => Volatile.Read(ref _iceFailures);

    public void OnIceFailure() => Interlocked.Increment(ref _iceFailures);

    /// <summary>A session's transport went to Failed (UDP receive thread): DTLS failure if it has a reason, else consent.</summary>
    public void OnTransportFailed(bool dtls) => Interlocked.Increment(ref dtls ? ref _dtlsFailures : ref _consentExpiries);

    public ISfuSession? CreateSession(string participantId, ISfuSessionHost host)
    {
        var session = new SfuSession(this, participantId, host);
        _sessions.Add(session);
        _byParticipant[participantId] = session;
        AttachLoop(host);
        session.Start();
        session.LastN.SendSpeaker(DominantSpeaker);
        return session;
    }

    public SfuSession? Find(string participantId) => _byParticipant.GetValueOrDefault(participantId);

    /// <summary>Sessions that publish at least one track, in join order (subscriptions and last-N walk these, not the room).</summary>
    public IReadOnlyList<SfuSession> Publishers => _publishers;

    /// <summary>A publisher's tracks changed: everyone subscribed to it gets a new offer.</summary>
    public void OnProducersChanged(SfuSession publisher)
    {
        if (publisher.Published.Count > 0 && !_publishers.Contains(publisher))
        {
            // Rare (a participant's first publication): rebuilt from the join-ordered list.
            _publishers.Clear();
            _publishers.AddRange(_sessions.Where(s => s.Published.Count > 0));
        }

        foreach (var s in _sessions)
        {
            if (s != publisher && s.IsSubscribedTo(publisher.ParticipantId))
            {
                s.Renegotiate();
            }
        }
    }

    public void Remove(SfuSession session)
    {
        _sessions.Remove(session);
        _publishers.Remove(session);
        if (_byParticipant.TryGetValue(session.ParticipantId, out var known) && known == session)
        {
            _byParticipant.Remove(session.ParticipantId);
        }
    }

    /// <summary>The room's server sessions (room loop).</summary>
    public IReadOnlyList<SfuSession> Sessions => _sessions;

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _sessions.ToArray())
        {
            await s.DisposeAsync();
        }

        DisposeSimulcast();
        DetachLoop();
        Router.Dispose();
    }

    // Simulcast part of a room: settings, and dynacast. The router reports per track which layers subscribers need
    // (on the room loop for tile changes, on a subscriber's receive loop for bandwidth changes); <see cref="DynacastLayers"/>
    // debounces turning layers off and the publisher is sent <c>layers</c> {trackId, active:[rid...]} when its set changes.

    private readonly ConcurrentDictionary<Producer, DynacastTrack> _dynacast = new();
    private readonly SimulcastSettings _simulcast = new();
    private ITimer? _dynacastTimer;

    /// <summary>The server's simulcast settings (set once by the host).</summary>
    public SimulcastSettings Simulcast
    {
        get => _simulcast;
        init
        {
            _simulcast = value;
            Router.Dynacast.Listener = this;
            var period = TimeSpan.FromMilliseconds(Math.Clamp(value.LayerOffDelay.TotalMilliseconds / 4, 100, 1000));
            _dynacastTimer = Router.Time.CreateTimer(_ => OnDynacastTick(), null, period, period);
        }
    }

    /// <summary>Layer messages sent to publishers (tests, metrics).</summary>
    public long LayerMessagesSent => Interlocked.Read(ref _layerMessagesSent);

    private long _layerMessagesSent;

    /// <summary>Room loop: a publisher's simulcast track was created; its layers start all active (as the page starts them).</summary>
    internal void AddSimulcastTrack(SfuSession publisher, string trackId, Producer[] layers) =>
        _dynacast[layers[0]] = new DynacastTrack(publisher, trackId, layers, [.. layers.Select(l => l.Rid ?? "")],
            new DynacastLayers(layers.Length, _simulcast.LayerOffDelay, Router.Time.TimestampFrequency));

    /// <summary>The layers the publisher is told to encode for the track whose lowest layer is <paramref name="lowest"/>; -1 if unknown.</summary>
    internal int ActiveLayersOf(Producer lowest)
    {
        if (!_dynacast.TryGetValue(lowest, out var track)) return -1;
        lock (track) return track.Layers.Active;
    }

    void IProducerLayerListener.OnLayersNeeded(Producer producer, int mask)
    {
        if (!_dynacast.TryGetValue(producer, out var track)) return;
        bool changed;
        lock (track) changed = track.Layers.OnNeeded(mask, Router.Time.GetTimestamp());
        if (changed) SendLayers(track);
    }

    private void OnDynacastTick()
    {
        long now = Router.Time.GetTimestamp();
        foreach (var (producer, track) in _dynacast)
        {
            if (producer.IsClosed)
            {
                _dynacast.TryRemove(producer, out _);
                continue;
            }
            bool changed;
            lock (track) changed = track.Layers.Tick(now);
            if (changed) SendLayers(track);
        }
    }

    private void SendLayers(DynacastTrack track)
    {
        int active;
        lock (track) active = track.Layers.Active;
        var rids = track.Rids.Where((_, i) => (active & (1 << i)) != 0).ToArray();
        Interlocked.Increment(ref _layerMessagesSent);
        Logger.LogDebug("Dynacast {Track}: active {Rids}", track.TrackId, string.Join(",", rids));
        track.Publisher.SendLayers(track.TrackId, rids);
    }

    /// <summary>Told once when the room's media is disposed (the host forgets it).</summary>
    public IRoomMediaClosedListener? ClosedListener { get; init; }

    /// <summary>Simulcast tracks published in this room: layers lowest first (diagnostics, tests).</summary>
    public IReadOnlyList<Producer[]> SimulcastTracks => [.. _dynacast.Values.Select(t => t.Producers)];

    private void DisposeSimulcast()
    {
        _dynacastTimer?.Dispose();
        ClosedListener?.OnRoomMediaClosed(this);
    }

    private sealed record DynacastTrack(SfuSession Publisher, string TrackId, Producer[] Producers, string[] Rids, DynacastLayers Layers);

    // Active speaker (issue #4 item 6): the router's <see cref="Media.Speech.DominantSpeakerDetector"/> decides on the
    // media timer; the change is marshalled onto the room's control loop (never blocking the timer), where every session
    // is told (<c>speaker</c>) and recomputes its last-N set.

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
                session.LastN.SendSpeaker(participantId);
            }

            session.LastN.Apply();
        }
    }
}
