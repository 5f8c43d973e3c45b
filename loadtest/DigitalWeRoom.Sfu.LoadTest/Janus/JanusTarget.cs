using System.Net;
using System.Text.Json.Nodes;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.LoadTest.Janus;

internal sealed record JanusTargetOptions
{
    public required Uri Url { get; init; }

    /// <summary>Address our synthetic clients bind and announce (loopback, or 10.77.x in a test namespace).</summary>
    public required IPAddress BindAddress { get; init; }

    public bool AllowNetnsAddress { get; init; }

    /// <summary>The room's bitrate cap (Janus' demo room caps at 128 kbit/s; ours must not limit the load).</summary>
    public int MaxBitrate { get; init; } = 4_000_000;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(20);
}

/// <summary>
/// Drives Janus VideoRoom with the same synthetic participants: per participant one Janus session, a publisher handle
/// (`joinandconfigure` with our offer) and a subscriber handle (`join` with every other publisher's feed, later
/// `subscribe` for feeds that appear, each answered with `start`). Our side is the ICE-lite agent and DTLS client on
/// one UDP endpoint per participant; Janus' libnice agent checks and nominates. Janus cannot tell us how many packets
/// it forwarded, so throughput is counted in the subscribers.
/// </summary>
internal sealed class JanusTarget : ILoadTarget
{
    private static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate("dwr-loadtest-janus");
    private readonly JanusTargetOptions _options;
    private readonly HttpClient _http;
    private readonly Dictionary<int, long> _roomIds = [];
    private readonly Dictionary<SyntheticParticipant, Member> _members = [];
    private readonly object _control = new();
    private readonly SemaphoreSlim _roomCreate = new(1, 1);
    private CertificateFingerprint? _janusFingerprint;

    public JanusTarget(JanusTargetOptions options)
    {
        if (!TargetPolicy.IsAllowedUri(options.Url, options.AllowNetnsAddress, out string why) || !TargetPolicy.IsAllowed(options.BindAddress, options.AllowNetnsAddress, out why))
        {
            throw new ArgumentException(why);
        }
        _options = options;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 4096, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };
    }

    public string Name => "janus";

    public int? ServerPid => null;

    public Task<long> ReadForwardedPacketsAsync() => Task.FromResult(-1L);

    public IReadOnlyDictionary<string, long> DropsByReason => new Dictionary<string, long>();

    public async Task JoinAsync(SyntheticParticipant participant, CancellationToken ct)
    {
        if (participant.Simulcast) throw new NotSupportedException("simulcast publishers need --target server");
        long room = await RoomAsync(participant.Plan.Room, ct).ConfigureAwait(false);
        var session = await JanusSession.CreateAsync(_http, _options.Url, ct).ConfigureAwait(false);
        var endpoint = new UdpEndpoint(new UdpEndpointOptions
        {
            BindAddress = _options.BindAddress,
            Port = 0,
            Certificate = ClientCertificate,
            PoolMaxRetained = 256,
            SocketBufferSize = 1024 * 1024,
            AnnouncedAddresses = [_options.BindAddress],
        }).Start();
        var member = new Member(participant, session, endpoint, room);
        lock (_control) _members[participant] = member;
        if (participant.Plan.Publishes)
        {
            await PublishAsync(member, ct).ConfigureAwait(false);
        }
        if (participant.Plan.Subscribes)
        {
            await SubscribeToKnownFeedsAsync(member, ct).ConfigureAwait(false);
        }
    }

    public async Task LeaveAsync(SyntheticParticipant participant)
    {
        Member? member;
        lock (_control)
        {
            if (!_members.Remove(participant, out member)) return;
        }
        await member.Session.DisposeAsync().ConfigureAwait(false);
        member.Publisher?.Close();
        member.Subscriber?.Close();
        member.Endpoint.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        List<SyntheticParticipant> all;
        lock (_control) all = [.. _members.Keys];
        foreach (var p in all) await LeaveAsync(p).ConfigureAwait(false);
        _http.Dispose();
        _roomCreate.Dispose();
    }

    private async Task<long> RoomAsync(int room, CancellationToken ct)
    {
        await _roomCreate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (_roomIds.TryGetValue(room, out long id)) return id;
            await using var admin = await JanusSession.CreateAsync(_http, _options.Url, ct).ConfigureAwait(false);
            long handle = await admin.AttachAsync("janus.plugin.videoroom", ct).ConfigureAwait(false);
            id = Random.Shared.NextInt64(1_000_000, 9_000_000_000);
            await admin.MessageAsync(handle, new JsonObject
            {
                ["request"] = "create",
                ["room"] = id,
                ["description"] = $"dwr-loadtest {room}",
                ["publishers"] = 5000,
                ["bitrate"] = _options.MaxBitrate,
                ["fir_freq"] = 0,
                ["audiocodec"] = "opus",
                ["videocodec"] = "vp8",
                ["permanent"] = false,
            }, null, null, ct).ConfigureAwait(false);
            _roomIds[room] = id;
            return id;
        }
        finally
        {
            _roomCreate.Release();
        }
    }

    private async Task PublishAsync(Member m, CancellationToken ct)
    {
        var p = m.Participant;
        long handle = await m.Session.AttachAsync("janus.plugin.videoroom", ct).ConfigureAwait(false);
        var credentials = IceCredentials.Generate();
        var connected = new ConnectedListener(p);
        CertificateFingerprint? known = Volatile.Read(ref _janusFingerprint);
        if (known is not null)
        {
            // Created before the offer goes out, so Janus' first checks already find our ufrag.
            m.Publisher = m.Endpoint.CreateTransport(new WebRtcTransportOptions
            {
                DtlsRole = DtlsRole.Client,
                RemoteFingerprint = known,
                LocalIceCredentials = credentials,
                Listener = connected,
            });
        }
        string offer = ClientSdp.PublisherOffer(credentials.Ufrag, credentials.Password, ClientCertificate.Fingerprint.ToSdpValue(), m.Endpoint.LocalEndPoint,
            p.Audio?.Ssrc ?? 0, p.Video?.Ssrc ?? 0, p.Audio is not null, p.Video is not null);
        await m.Session.MessageAsync(handle, new JsonObject
        {
            ["request"] = "joinandconfigure",
            ["room"] = m.Room,
            ["ptype"] = "publisher",
            ["display"] = p.Plan.Name,
            ["audio"] = p.Audio is not null,
            ["video"] = p.Video is not null,
            ["bitrate"] = _options.MaxBitrate,
        }, "offer", offer, ct).ConfigureAwait(false);
        JsonNode joined = await m.Session.WaitEventAsync(handle, e => e["jsep"] is not null, _options.Timeout, ct).ConfigureAwait(false);
        var answer = ClientSdp.Parse(joined["jsep"]!["sdp"]!.GetValue<string>());
        if (!CertificateFingerprint.TryParse($"{answer.FingerprintAlgorithm} {answer.Fingerprint}", out CertificateFingerprint? fingerprint) || fingerprint is null)
        {
            throw new InvalidOperationException("Janus answer without a usable fingerprint");
        }
        Interlocked.CompareExchange(ref _janusFingerprint, fingerprint, null);
        m.Publisher ??= m.Endpoint.CreateTransport(new WebRtcTransportOptions
        {
            DtlsRole = DtlsRole.Client,
            RemoteFingerprint = fingerprint,
            RemoteIceUfrag = answer.Ufrag,
            RemoteIcePassword = answer.Password,
            LocalIceCredentials = credentials,
            Listener = connected,
        });
        long feed = joined["plugindata"]?["data"]?["id"]?.GetValue<long>() ?? 0;
        var state = await connected.Settled.WaitAsync(_options.Timeout, ct).ConfigureAwait(false);
        if (state != WebRtcTransportState.Connected) throw new InvalidOperationException($"publisher transport {state}");
        // Janus answers a subscription to a feed whose PeerConnection it has not yet marked up with "No such feed"
        // (and the subscriber handle stays unconfigured), so the feed is offered to subscribers only after webrtcup.
        await m.Session.WaitEventAsync(handle, e => e["janus"]?.GetValue<string>() == "webrtcup", _options.Timeout, ct).ConfigureAwait(false);
        lock (_control) m.FeedId = feed;
        p.Connection = new TransportConnection(m.Publisher);

        // Existing subscribers in the room pick up the new feed.
        List<Member> others;
        lock (_control) others = [.. _members.Values.Where(o => o != m && o.Room == m.Room && o.Participant.Plan.Subscribes)];
        foreach (var o in others)
        {
            _ = Task.Run(() => SubscribeToKnownFeedsAsync(o, CancellationToken.None), CancellationToken.None);
        }
    }

    private async Task SubscribeToKnownFeedsAsync(Member m, CancellationToken ct)
    {
        await m.Negotiation.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            List<long> feeds;
            lock (_control)
            {
                feeds = [.. _members.Values.Where(o => o != m && o.Room == m.Room && o.FeedId != 0 && !m.SubscribedFeeds.Contains(o.FeedId)).Select(o => o.FeedId)];
            }
            if (feeds.Count == 0) return;
            var streams = new JsonArray([.. feeds.Select(f => (JsonNode)new JsonObject { ["feed"] = f })]);
            JsonNode offerEvent;
            bool joining = !m.SubscriberJoined;
            if (m.SubscriberHandle == 0) m.SubscriberHandle = await m.Session.AttachAsync("janus.plugin.videoroom", ct).ConfigureAwait(false);
            JsonObject request = joining
                ? new JsonObject { ["request"] = "join", ["room"] = m.Room, ["ptype"] = "subscriber", ["streams"] = streams }
                : new JsonObject { ["request"] = "subscribe", ["streams"] = streams };
            await m.Session.MessageAsync(m.SubscriberHandle, request, null, null, ct).ConfigureAwait(false);
            // A failed join leaves the handle unconfigured: the next attempt joins again rather than "subscribe".
            offerEvent = await m.Session.WaitEventAsync(m.SubscriberHandle, e => e["jsep"]?["type"]?.GetValue<string>() == "offer", _options.Timeout, ct).ConfigureAwait(false);
            m.SubscriberJoined = true;
            var offer = ClientSdp.Parse(offerEvent["jsep"]!["sdp"]!.GetValue<string>());
            var connected = m.SubscriberListener ??= new ConnectedListener(m.Participant);
            if (m.Subscriber is null)
            {
                if (!CertificateFingerprint.TryParse($"{offer.FingerprintAlgorithm} {offer.Fingerprint}", out CertificateFingerprint? fingerprint) || fingerprint is null)
                {
                    throw new InvalidOperationException("Janus offer without a usable fingerprint");
                }
                m.SubscriberCredentials = IceCredentials.Generate();
                m.Subscriber = m.Endpoint.CreateTransport(new WebRtcTransportOptions
                {
                    DtlsRole = DtlsRole.Client,
                    // One SSRC per publisher's stream on this one subscription (Janus multistream).
                    MaxReceivedSsrcs = 4096,
                    RemoteFingerprint = fingerprint,
                    RemoteIceUfrag = offer.Ufrag,
                    RemoteIcePassword = offer.Password,
                    LocalIceCredentials = m.SubscriberCredentials,
                    Listener = connected,
                });
            }
            string answer = ClientSdp.SubscriberAnswer(offer, m.SubscriberCredentials!.Ufrag, m.SubscriberCredentials.Password, ClientCertificate.Fingerprint.ToSdpValue(), m.Endpoint.LocalEndPoint);
            await m.Session.MessageAsync(m.SubscriberHandle, new JsonObject { ["request"] = "start" }, "answer", answer, ct).ConfigureAwait(false);
            var state = await connected.Settled.WaitAsync(_options.Timeout, ct).ConfigureAwait(false);
            if (state != WebRtcTransportState.Connected) throw new InvalidOperationException($"subscriber transport {state}");
            foreach (long f in feeds) m.SubscribedFeeds.Add(f);
        }
        finally
        {
            m.Negotiation.Release();
        }
    }

    private sealed class Member(SyntheticParticipant participant, JanusSession session, UdpEndpoint endpoint, long room)
    {
        public SyntheticParticipant Participant { get; } = participant;

        public JanusSession Session { get; } = session;

        public UdpEndpoint Endpoint { get; } = endpoint;

        public long Room { get; } = room;

        public long FeedId { get; set; }

        public WebRtcTransport? Publisher { get; set; }

        public WebRtcTransport? Subscriber { get; set; }

        public IceCredentials? SubscriberCredentials { get; set; }

        public ConnectedListener? SubscriberListener { get; set; }

        public long SubscriberHandle { get; set; }

        public bool SubscriberJoined { get; set; }

        public HashSet<long> SubscribedFeeds { get; } = [];

        public SemaphoreSlim Negotiation { get; } = new(1, 1);
    }

    /// <summary>Forwards media to the participant and completes when the transport connects or fails.</summary>
    private sealed class ConnectedListener(SyntheticParticipant participant) : IWebRtcTransportListener
    {
        private readonly TaskCompletionSource<WebRtcTransportState> _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<WebRtcTransportState> Settled => _settled.Task;

        public void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state)
        {
            if (state >= WebRtcTransportState.Connected) _settled.TrySetResult(state);
        }

        public void OnRtp(WebRtcTransport transport, PooledPacket packet) => participant.OnRtp(transport, packet);

        public void OnRtcp(WebRtcTransport transport, PooledPacket packet) => participant.OnRtcp(transport, packet);
    }

    private sealed class TransportConnection(WebRtcTransport transport) : IParticipantConnection
    {
        public bool TrySendRtp(Span<byte> buffer, int length) => transport.TrySendRtp(buffer, length);

        public ValueTask DisposeAsync()
        {
            transport.Close();
            return ValueTask.CompletedTask;
        }
    }
}
