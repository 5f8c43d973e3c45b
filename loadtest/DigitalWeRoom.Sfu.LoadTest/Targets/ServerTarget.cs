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
internal sealed partial class ServerTarget(Uri ws, bool allowNetns, TimeSpan? timeout = null) : ILoadTarget
{
    private static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate("dwr-loadtest-server");
    private readonly Dictionary<SyntheticParticipant, Member> _members = [];
    private readonly object _control = new();
    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(20);
    private readonly ServerMetrics _metrics = new(ws);

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

    /// <summary>The largest signaling message read (the receive buffer grows to it).</summary>
    private const int MaxSignalingMessage = 4 * 1024 * 1024;

    /// <summary>Local address a participant's client binds (default: the loopback of the server's family).</summary>
    public Func<SyntheticParticipant, IPAddress?>? BindAddressFor { get; init; }

    /// <summary>Runs the creation of a participant's client (its socket), e.g. inside another network namespace.</summary>
    public Func<SyntheticParticipant, Func<IceControllingClient>, IceControllingClient>? ClientScope { get; init; }

    /// <summary>Reads every client's socket from a few shared threads instead of a thread per client (null: per client).</summary>
    public SharedReceivePump? ReceivePump { get; init; }

    public string Name => "server";

    public int? ServerPid => null;

    /// <summary>The server's own count (<c>/metrics</c>): with sinks, the subscribers cannot count what it forwarded.</summary>
    public Task<long> ReadForwardedPacketsAsync() => _metrics.ReadPacketsOutAsync();

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
        if (!TargetPolicy.IsAllowedUri(ws, allowNetns, out string why)) throw new InvalidOperationException(why);
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        // Through any node of a cluster: a redirect to the node serving the room is followed (SignalingRedirect).
        var (socket, _, first) = await SignalingRedirect.JoinAsync(ws, new JsonObject { ["type"] = "join", ["room"] = $"loadtest{participant.Plan.Room}", ["name"] = participant.Plan.Name, ["p2p"] = false }, allowNetns, ct).ConfigureAwait(false);
        var member = new Member(participant, socket) { First = first, JoinStarted = started };
        member.Step(JoinStep.WebSocket);
        lock (_control) _members[participant] = member;
        if (participant.Audio is not null) await member.SendAsync(new JsonObject { ["type"] = "track-published", ["track"] = new JsonObject { ["id"] = $"{participant.Plan.Name}:audio", ["kind"] = "audio", ["source"] = "microphone" } }, ct).ConfigureAwait(false);
        if (participant.Video is not null) await member.SendAsync(new JsonObject { ["type"] = "track-published", ["track"] = new JsonObject { ["id"] = $"{participant.Plan.Name}:video", ["kind"] = "video", ["source"] = "camera" } }, ct).ConfigureAwait(false);
        member.Loop = Task.Run(() => ReceiveLoopAsync(member), CancellationToken.None);
        if (participant.TileFor is not null) member.SizeLoop = Task.Run(() => VideoSizeLoopAsync(member), CancellationToken.None);
        member.PingLoop = Task.Run(() => PingLoopAsync(member), CancellationToken.None);
        var state = await member.Connected.Task.WaitAsync(_timeout, ct).ConfigureAwait(false);
        // A server error (or a refused answer) settles the join as Failed: report the server's reason, not the state.
        if (state != WebRtcTransportState.Connected) throw new InvalidOperationException(participant.Error ?? $"transport {state}");
        OnMemberConnected(member);
        participant.Connection = new ClientConnection(member.Client!);
    }

    public async Task LeaveAsync(SyntheticParticipant participant)
    {
        Member? m;
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
        Member m;
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
        Member m;
        lock (_control) m = _members[participant];
        if (moveTo is not null) m.Client!.Endpoint.MoveTo(moveTo);
        await m.SendAsync(new JsonObject { ["type"] = "ice-restart" }, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>The participant id the server gave this participant (<c>joined</c>), null before.</summary>
    public string? ParticipantIdOf(SyntheticParticipant participant)
    {
        lock (_control) return _members.TryGetValue(participant, out var m) ? m.ParticipantId : null;
    }

    /// <summary>Every message the server sent this participant so far (JSON), in order.</summary>
    public IReadOnlyList<JsonNode> MessagesOf(SyntheticParticipant participant)
    {
        Member m;
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
        DisposeSinks();
        _metrics.Dispose();
    }

    private async Task ReceiveLoopAsync(Member m)
    {
        // Grown on demand (an offer for a large meeting is big; most messages are tiny): a fixed 256 KiB per member
        // was 384 MB of generator memory at 1,500 subscribers.
        var buffer = new byte[16 * 1024];
        try
        {
            while (m.Socket.State == WebSocketState.Open)
            {
                JsonNode? msg = m.First;
                m.First = null;
                if (msg is null)
                {
                    int length = 0;
                    WebSocketReceiveResult r;
                    do
                    {
                        r = await m.Socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None).ConfigureAwait(false) is var vr
                            ? new WebSocketReceiveResult(vr.Count, vr.MessageType, vr.EndOfMessage) : throw new InvalidOperationException();
                        length += r.Count;
                        if (!r.EndOfMessage && length == buffer.Length && buffer.Length < MaxSignalingMessage) Array.Resize(ref buffer, buffer.Length * 2);
                    }
                    while (!r.EndOfMessage && length < buffer.Length);
                    if (r.MessageType == WebSocketMessageType.Close) break;
                    // Every join sends participant-joined to every member (N² messages in a join storm): read only the
                    // type of those, and parse (and keep) the whole message only when it is acted on or kept for a test.
                    if (!KeepMessages && ReadType(buffer.AsSpan(0, length)) is not ("joined" or "layers" or "offer" or "error")) continue;
                    msg = JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, length));
                }
                string? type = msg?["type"]?.GetValue<string>();
                if (msg is not null && KeepMessages)
                {
                    lock (m.Messages) m.Messages.Add(msg);
                }
                if (type == "joined")
                {
                    m.Step(JoinStep.Joined);
                    m.ParticipantId = msg!["participantId"]?.GetValue<string>();
                }
                else if (type == "layers" && msg!["active"] is JsonArray active)
                {
                    // Dynacast: encode only the listed rids (the page sets encodings[i].active).
                    var rids = active.Select(a => a?.GetValue<string>()).ToHashSet();
                    foreach (var layer in m.Participant.VideoLayers)
                    {
                        if (layer.Rid is not null && m.AnsweredRids.Contains(layer.Rid)) layer.Active = rids.Contains(layer.Rid);
                    }
                }
                if (type == "offer" && msg!["from"]?.GetValue<string>() == "server")
                {
                    m.Step(JoinStep.Offer);
                    await OnOfferAsync(m, msg["sdp"]!.GetValue<string>()).ConfigureAwait(false);
                }
                else if (type == "error")
                {
                    m.Participant.Error ??= $"server error: {msg!["code"]} {msg["reason"]}";
                    m.Connected.TrySetResult(WebRtcTransportState.Failed);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or System.Text.Json.JsonException or ObjectDisposedException)
        {
        }
    }

    /// <summary>The top-level <c>type</c> of a signaling message without building it (null if absent or not JSON).</summary>
    private static string? ReadType(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new System.Text.Json.Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != System.Text.Json.JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == System.Text.Json.JsonTokenType.PropertyName)
            {
                bool isType = reader.CurrentDepth == 1 && reader.ValueTextEquals("type"u8);
                if (!reader.Read()) return null;
                if (isType) return reader.TokenType == System.Text.Json.JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return null;
    }

    private async Task OnOfferAsync(Member m, string sdp)
    {
        var offer = ClientSdp.Parse(sdp);
        if (m.Client is null)
        {
            if (!CertificateFingerprint.TryParse($"{offer.FingerprintAlgorithm} {offer.Fingerprint}", out var fingerprint) || fingerprint is null
                || offer.Candidates.FirstOrDefault(c => TargetPolicy.IsAllowed(c.Address, allowNetns, out _)) is not { } candidate)
            {
                m.Connected.TrySetResult(WebRtcTransportState.Failed);
                return;
            }
            var listener = new StateListener(m);
            var options = new IceControllingClientOptions
            {
                ServerUfrag = offer.Ufrag,
                ServerPassword = offer.Password,
                ServerEndPoint = candidate,
                ServerFingerprint = fingerprint,
                Listener = listener,
                Certificate = ClientCertificate,
                ConsentInterval = ConsentInterval,
                // A sink stops reading once connected (ServerTarget.Sinks): it never sees the answers to its consent
                // checks, so its own 30 s consent timer would fail it mid-run; the server still gets every check.
                ConsentTimeout = m.Participant.Plan.Sink ? TimeSpan.FromDays(1) : ConsentTimeout,
                BindAddress = BindAddressFor?.Invoke(m.Participant),
                ReceiveThread = PumpFor(m.Participant) is null,
            };
            m.Client = ClientScope is { } scope ? scope(m.Participant, () => IceControllingClient.Start(options)) : IceControllingClient.Start(options);
            PumpFor(m.Participant)?.Add(m.Client.Endpoint);
        }
        else if (m.ServerUfrag is not null && offer.Ufrag != m.ServerUfrag)
        {
            // New ice-ufrag/ice-pwd in the server's offer: its side of an ICE restart (RFC 8445 §9).
            m.Client.RestartIce(offer.Ufrag, offer.Password);
        }
        m.ServerUfrag = offer.Ufrag;
        var local = m.Client.Transport.LocalIceCredentials;
        var p = m.Participant;
        foreach (var s in offer.Sections)
        {
            if (s.Direction == "sendonly") p.Reception.Announce(s.Ssrc);
        }
        string answer = ClientSdp.ServerAnswer(offer, local.Ufrag, local.Password, ClientCertificate.Fingerprint.ToSdpValue(), m.Client.Endpoint.LocalEndPoint,
            p.Audio?.Ssrc ?? 0, p.Video?.Ssrc ?? 0, p.Simulcast ? [.. p.VideoLayers.Select(v => v.Rid!)] : null, (section, rids) => UseSimulcast(m, section, rids));
        await m.SendAsync(new JsonObject { ["type"] = "answer", ["target"] = "server", ["sdp"] = answer }, CancellationToken.None).ConfigureAwait(false);
        if (p.TileFor is not null) await OnVideoTracksAsync(m, offer).ConfigureAwait(false);
    }

    /// <summary>
    /// The camera section was answered with <paramref name="rids"/>: those layers carry MID + rid with the offered
    /// extension ids (once: later offers do not restart it), the others never send. No rid offered = no simulcast.
    /// </summary>
    private static void UseSimulcast(Member m, ClientSdp.Section section, IReadOnlyList<string> rids)
    {
        if (rids.Count == 0)
        {
            m.Participant.Error ??= $"the server offered no simulcast rids on the camera section (mid {section.Mid})";
            m.Connected.TrySetResult(WebRtcTransportState.Failed);
            return;
        }
        if (m.AnsweredRids.Count > 0) return;
        section.Extmaps.TryGetValue(ClientSdp.MidUri, out byte midId);
        section.Extmaps.TryGetValue(ClientSdp.RidUri, out byte ridId);
        foreach (var layer in m.Participant.VideoLayers)
        {
            if (rids.Contains(layer.Rid!))
            {
                layer.UseMidRid(section.Mid, midId, ridId);
                m.AnsweredRids.Add(layer.Rid!);
            }
            else
            {
                layer.Active = false;
            }
        }
    }

    /// <summary>
    /// <c>ping</c> every <see cref="PingInterval"/>: the server disconnects a member that sent nothing for
    /// <c>Limits.IdleTimeout</c> (45 s), e.g. a publisher while hundreds of subscribers join after it.
    /// </summary>
    private async Task PingLoopAsync(Member m)
    {
        try
        {
            while (m.Socket.State is WebSocketState.Open or WebSocketState.Connecting)
            {
                await Task.Delay(PingInterval).ConfigureAwait(false);
                if (m.Socket.State != WebSocketState.Open) break;
                await m.SendAsync(new JsonObject { ["type"] = "ping" }, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }

}
