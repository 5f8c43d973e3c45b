using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using DigitalWeRoom.Sfu.LoadTest.Janus;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;

namespace DigitalWeRoom.Sfu.LoadTest.Targets;

/// <summary>
/// Our real server (DigitalWeRoom.Sfu.Server, its own process) through its signaling (docs/signaling.md, JSON over
/// /ws): join with p2p:false, answer every server offer (publish slots sendonly with our SSRCs, others' tracks
/// recvonly), and connect with the ICE controlling client + DTLS client to the server's ICE-lite candidate.
/// </summary>
internal sealed class ServerTarget : ILoadTarget
{
    /// <summary>Every member's DTLS certificate (one per process, as a browser profile has one).</summary>
    internal static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate("dwr-loadtest-server");
    private readonly Uri _ws;
    private readonly bool _allowNetns;
    private readonly Dictionary<SyntheticParticipant, ServerMember> _members = [];
    private readonly Lazy<SinkDetacher> _sinks;
    private readonly Lazy<TileMessages> _tiles;
    private readonly Lazy<MemberSignaling> _signaling;
    private readonly object _control = new();
    private readonly TimeSpan _timeout;
    private readonly ServerMetrics _metrics;

    public ServerTarget(Uri ws, bool allowNetns, TimeSpan? timeout = null)
    {
        _ws = ws;
        _allowNetns = allowNetns;
        _timeout = timeout ?? TimeSpan.FromSeconds(20);
        _metrics = new ServerMetrics(ws);
        // Built on first use, after the init-only settings below are set.
        _sinks = new(() => new SinkDetacher(ReceivePump, RtcpInterval));
        _tiles = new(() => new TileMessages(OwnerOf));
        _signaling = new(() => new MemberSignaling(this, _sinks.Value, _tiles.Value, _allowNetns));
    }

    /// <summary>How often each client refreshes ICE consent once connected (RFC 7675: about 5 s; fault tests use less).</summary>
    public TimeSpan ConsentInterval { get; init; } = TimeSpan.FromSeconds(4);

    /// <summary>Members that read their socket fail their transport after this long without an answered consent check (RFC 7675 §5.1).</summary>
    public TimeSpan ConsentTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each member sends a signaling <c>ping</c> (the server's idle timeout is 45 s by default).</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Keep every message the server sent each member (<see cref="MessagesOf"/>; tests look at them). Off for load runs:
    /// then only the messages the client acts on are parsed, and none is kept.
    /// </summary>
    public bool KeepMessages { get; init; } = true;

    /// <summary>Local address a participant's client binds (default: the loopback of the server's family).</summary>
    public Func<SyntheticParticipant, IPAddress?>? BindAddressFor { get; init; }

    /// <summary>Runs the creation of a participant's client (its socket), e.g. inside another network namespace.</summary>
    public Func<SyntheticParticipant, Func<IceControllingClient>, IceControllingClient>? ClientScope { get; init; }

    /// <summary>Reads every client's socket from a few shared threads instead of a thread per client (null: per client).</summary>
    public SharedReceivePump? ReceivePump { get; init; }

    /// <summary>
    /// Nice of the clients' DTLS handshake threads (0: this process's priority): at the default the storm's handshakes
    /// yield the CPU to the pacer and the probes' receive threads of the meeting under test.
    /// </summary>
    public int DtlsHandshakeNice { get; init; } = ThreadNiceness.JoinWork;

    /// <summary>How often each connected member sends its RTCP receiver reports (browsers: about 1 s for video).</summary>
    public TimeSpan RtcpInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Sinks connected and detached so far (<see cref="SinkDetacher"/>).</summary>
    public int SinksDetached => _sinks.IsValueCreated ? _sinks.Value.Detached : 0;

    public string Name => "server";

    public int? ServerPid => null;

    /// <summary>The server's own count (<c>/metrics</c>): with sinks, the subscribers cannot count what it forwarded.</summary>
    public Task<long> ReadForwardedPacketsAsync() => _metrics.ReadPacketsOutAsync();

    public Task<IReadOnlyDictionary<string, long>> ReadServerProcessDropsAsync() => _metrics.ReadDropsByReasonAsync();

    /// <summary>
    /// The server is another process (its drops are on its /metrics); these are the synthetic clients' own drops
    /// (their endpoints and transports: SRTP replay/auth, unknown SSRC, ...), keyed "client:reason".
    /// </summary>
    public IReadOnlyDictionary<string, long> DropsByReason
    {
        get
        {
            var result = new Dictionary<string, long>();
            List<IceControllingClient> clients;
            lock (_control) clients = [.. _members.Values.Select(m => m.Client).OfType<IceControllingClient>()];
            foreach (var counters in clients.SelectMany(c => new[] { c.Endpoint.Drops, c.Transport.Drops }))
            {
                foreach (DropReason reason in Enum.GetValues<DropReason>())
                {
                    long n = counters.Get(reason);
                    if (n > 0) result["client:" + reason] = result.GetValueOrDefault("client:" + reason) + n;
                }
            }
            return result;
        }
    }

    public async Task JoinAsync(SyntheticParticipant participant, CancellationToken ct)
    {
        if (!TargetPolicy.IsAllowedUri(_ws, _allowNetns, out string why)) throw new InvalidOperationException(why);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        // Through any node of a cluster: a redirect to the node serving the room is followed (SignalingRedirect).
        var (socket, _, first) = await SignalingRedirect.JoinAsync(_ws, new JsonObject { ["type"] = "join", ["room"] = $"loadtest{participant.Plan.Room}", ["name"] = participant.Plan.Name, ["p2p"] = false }, _allowNetns, ct).ConfigureAwait(false);
        var member = new ServerMember(participant, socket) { First = first, JoinStarted = started };
        member.Step(JoinStep.WebSocket);
        lock (_control) _members[participant] = member;
        if (participant.Audio is not null) await member.SendAsync(new JsonObject { ["type"] = "track-published", ["track"] = new JsonObject { ["id"] = $"{participant.Plan.Name}:audio", ["kind"] = "audio", ["source"] = "microphone" } }, ct).ConfigureAwait(false);
        if (participant.Video is not null) await member.SendAsync(new JsonObject { ["type"] = "track-published", ["track"] = new JsonObject { ["id"] = $"{participant.Plan.Name}:video", ["kind"] = "video", ["source"] = "camera" } }, ct).ConfigureAwait(false);
        var signaling = _signaling.Value;
        member.Loop = Task.Run(() => signaling.ReceiveLoopAsync(member), CancellationToken.None);
        if (participant.TileFor is not null) member.SizeLoop = Task.Run(() => _tiles.Value.RunSizeLoopAsync(member), CancellationToken.None);
        member.PingLoop = Task.Run(() => signaling.PingLoopAsync(member), CancellationToken.None);
        var state = await member.Connected.Task.WaitAsync(_timeout, ct).ConfigureAwait(false);
        // A server error (or a refused answer) settles the join as Failed: report the server's reason, not the state.
        if (state != WebRtcTransportState.Connected) throw new InvalidOperationException(participant.Error ?? $"transport {state}");
        _sinks.Value.OnConnected(member);
        participant.Connection = new MemberConnection(member.Client!);
    }

    public async Task LeaveAsync(SyntheticParticipant participant)
    {
        ServerMember? m;
        lock (_control)
        {
            if (!_members.Remove(participant, out m)) return;
        }
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await m.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or InvalidOperationException)
        {
        }
        m.RtcpTimer?.Dispose();
        m.Client?.Dispose();
        m.Socket.Dispose();
        m.Connected.TrySetResult(WebRtcTransportState.Closed);
    }

    /// <summary>
    /// The participant's process "dies": its media client stops without a goodbye; its signaling socket is
    /// aborted, or (<paramref name="keepSignaling"/>) left open and silent, so only ICE consent expiry can tell.
    /// </summary>
    public void Vanish(SyntheticParticipant participant, bool keepSignaling)
    {
        ServerMember m;
        lock (_control) m = _members[participant];
        m.Client?.Vanish();
        if (!keepSignaling) m.Socket.Abort();
    }

    /// <summary>
    /// The participant's network changes: its media socket moves to <paramref name="moveTo"/> (if given), then it
    /// asks the server for an ICE restart (<c>ice-restart</c>); the server's new offer restarts ICE on the new address.
    /// </summary>
    public async Task RequestIceRestartAsync(SyntheticParticipant participant, IPAddress? moveTo)
    {
        ServerMember m;
        lock (_control) m = _members[participant];
        if (moveTo is not null) m.Client!.Endpoint.MoveTo(moveTo);
        await m.SendAsync(new JsonObject { ["type"] = "ice-restart" }, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The participant id the server gave this participant (<c>joined</c>), null before.</summary>
    public string? ParticipantIdOf(SyntheticParticipant participant)
    {
        lock (_control) return _members.TryGetValue(participant, out var m) ? m.ParticipantId : null;
    }

    /// <summary>
    /// The subscriber's tiles changed (<see cref="SyntheticParticipant.TileFor"/>): <c>video-size</c> again for every
    /// camera track it receives (<see cref="TileMessages.Resend"/>).
    /// </summary>
    public void ResendVideoSizes(SyntheticParticipant participant)
    {
        ServerMember m;
        lock (_control) m = _members[participant];
        _tiles.Value.Resend(m);
    }

    /// <summary>Every message the server sent this participant so far (JSON), in order.</summary>
    public IReadOnlyList<JsonNode> MessagesOf(SyntheticParticipant participant)
    {
        ServerMember m;
        lock (_control) m = _members[participant];
        lock (m.Messages) return [.. m.Messages];
    }

    /// <summary>The participant's media client (ICE, DTLS, SRTP).</summary>
    public IceControllingClient ClientOf(SyntheticParticipant participant)
    {
        lock (_control) return _members[participant].Client!;
    }

    /// <summary>The participant's signaling socket (fault tests look at how it ended).</summary>
    public WebSocket SocketOf(SyntheticParticipant participant)
    {
        lock (_control) return _members[participant].Socket;
    }

    public async ValueTask DisposeAsync()
    {
        List<SyntheticParticipant> all;
        lock (_control) all = [.. _members.Keys];
        // In parallel: each leave may wait up to 2 s for the close handshake, which for hundreds of members in a row
        // outlasts any bound on the run.
        await Task.WhenAll(all.Select(LeaveAsync)).ConfigureAwait(false);
        if (_sinks.IsValueCreated) _sinks.Value.Dispose();
        _metrics.Dispose();
    }

    /// <summary>The participant id and publisher index of a server track id <c>"&lt;participantId&gt;-&lt;mid&gt;"</c>.</summary>
    private (string Id, int Publisher)? OwnerOf(string trackId)
    {
        lock (_control)
        {
            foreach (var other in _members.Values)
            {
                if (other.ParticipantId is { } id && trackId.Length > id.Length && trackId.StartsWith(id, StringComparison.Ordinal) && trackId[id.Length] == '-')
                {
                    return (id, other.Participant.Plan.PublisherIndex);
                }
            }
        }
        return null;
    }
}
