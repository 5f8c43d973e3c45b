using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Transport.Udp;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>One room's router and its participants' server sessions. Called only from the room's control loop.</summary>
public sealed partial class SfuRoomMedia : IRoomMedia
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
        session.SendSpeaker(DominantSpeaker);
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
}
