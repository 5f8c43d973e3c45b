using System.Net;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.LoadTest.Targets;

/// <summary>
/// An SFU assembled in this process from the project's own pieces: one <see cref="UdpEndpoint"/> (ICE-lite, DTLS,
/// SRTP) and one media <see cref="Router"/> per room, wired exactly as the host wires them. Room control (who
/// consumes whom) is the minimum a meeting needs: every subscriber consumes every other publisher in its room.
/// Used by the CI smoke run, the allocation test and the `--target inprocess` mode; its CPU figure is this
/// whole process (load generator included) unless the server runs alone (`serve`).
/// </summary>
internal sealed class InProcessTarget : ILoadTarget
{
    private static readonly DtlsCertificate ClientCertificate = DtlsCertificate.Generate("dwr-loadtest");
    private readonly UdpEndpoint _endpoint;
    private readonly Dictionary<int, Router> _routers = [];
    private readonly Dictionary<SyntheticParticipant, Member> _members = [];
    private readonly object _control = new();
    private readonly TimeSpan _connectTimeout;
    private readonly RouterOptions _routerOptions;
    private uint _nextOutputSsrc = 0x30000000;

    public InProcessTarget(IPAddress? bind = null, TimeSpan? connectTimeout = null, int socketBufferSize = 4 * 1024 * 1024, RouterOptions? routerOptions = null, int receiveSockets = 1, bool laneSendSockets = true)
    {
        _routerOptions = routerOptions ?? new RouterOptions();
        _endpoint = new UdpEndpoint(new UdpEndpointOptions
        {
            BindAddress = bind ?? IPAddress.Loopback,
            Port = 0,
            SocketBufferSize = socketBufferSize,
            PoolMaxRetained = 16384,
            ReceiveSockets = receiveSockets,
            LaneSendSockets = laneSendSockets,
        }).Start();
        _connectTimeout = connectTimeout ?? TimeSpan.FromSeconds(15);
    }

    public string Name => "inprocess";

    public int? ServerPid => Environment.ProcessId;

    public UdpEndpoint Endpoint => _endpoint;

    public IEnumerable<Router> Routers
    {
        get
        {
            lock (_control) return [.. _routers.Values];
        }
    }

    public Task<long> ReadForwardedPacketsAsync()
    {
        lock (_control) return Task.FromResult(_routers.Values.Sum(r => r.Counters.ForwardedPackets));
    }

    public IReadOnlyDictionary<string, long> DropsByReason
    {
        get
        {
            var result = new Dictionary<string, long>();
            lock (_control)
            {
                foreach (var counters in _routers.Values.Select(r => r.Counters.Drops).Append(_endpoint.Drops))
                {
                    foreach (DropReason reason in Enum.GetValues<DropReason>())
                    {
                        long n = counters.Get(reason);
                        if (n > 0) result[reason.ToString()] = result.GetValueOrDefault(reason.ToString()) + n;
                    }
                }
            }
            return result;
        }
    }

    public long Drops
    {
        get
        {
            lock (_control) return _routers.Values.Sum(r => r.Counters.Drops.Total) + _endpoint.Drops.Total;
        }
    }

    public async Task JoinAsync(SyntheticParticipant participant, CancellationToken cancellationToken)
    {
        if (participant.Simulcast) throw new NotSupportedException("simulcast publishers need --target server");
        WebRtcTransport serverSide = _endpoint.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = ClientCertificate.Fingerprint,
        });
        var client = IceControllingClient.Start(new IceControllingClientOptions
        {
            ServerUfrag = serverSide.LocalIceCredentials.Ufrag,
            ServerPassword = serverSide.LocalIceCredentials.Password,
            ServerEndPoint = _endpoint.LocalEndPoint,
            ServerFingerprint = _endpoint.Certificate.Fingerprint,
            Listener = participant,
            Certificate = ClientCertificate,
        });
        var member = new Member(participant, client, serverSide);
        participant.Connection = new ClientConnection(client);
        WebRtcTransportState state;
        try
        {
            state = await client.Settled.WaitAsync(_connectTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            state = WebRtcTransportState.Failed;
        }
        if (state != WebRtcTransportState.Connected)
        {
            client.Dispose();
            serverSide.Close();
            throw new InvalidOperationException($"transport {state}");
        }
        lock (_control)
        {
            if (!_routers.TryGetValue(participant.Plan.Room, out Router? router))
            {
                router = new Router($"room{participant.Plan.Room}", _endpoint.Pool, TimeProvider.System, _routerOptions);
                _routers.Add(participant.Plan.Room, router);
            }
            member.Router = router;
            // The production wiring (SfuSession): the media transport listens to the WebRtcTransport and sends through it.
            member.Media = router.CreateTransport(participant.Plan.Name, serverSide);
            serverSide.Listener = member.Media;
            if (participant.Audio is { } audio)
            {
                member.Producers.Add(router.CreateProducer(member.Media, new ProducerOptions($"{participant.Plan.Name}-a", MediaKind.Audio, audio.Ssrc,
                    [new RtpCodec(Media.MediaProfile.AudioPayloadType, "audio/opus", 48000)])));
            }
            if (participant.Video is { } video)
            {
                member.Producers.Add(router.CreateProducer(member.Media, new ProducerOptions($"{participant.Plan.Name}-v", MediaKind.Video, video.Ssrc,
                    [new RtpCodec(Media.MediaProfile.VideoPayloadType, "video/VP8", 90000)])));
            }
            foreach (Member other in _members.Values)
            {
                if (other.Router != router) continue;
                if (participant.Plan.Subscribes)
                {
                    foreach (Producer p in other.Producers) router.CreateConsumer(member.Media, p, new ConsumerOptions($"{participant.Plan.Name}<{p.Id}", _nextOutputSsrc++));
                }
                if (other.Participant.Plan.Subscribes)
                {
                    foreach (Producer p in member.Producers) router.CreateConsumer(other.Media!, p, new ConsumerOptions($"{other.Participant.Plan.Name}<{p.Id}", _nextOutputSsrc++));
                }
            }
            _members.Add(participant, member);
        }
    }

    /// <summary>The participant's client (for tests that drive the path by hand).</summary>
    public IceControllingClient ClientOf(SyntheticParticipant participant)
    {
        lock (_control) return _members[participant].Client;
    }

    /// <summary>The server side's WebRTC transport of a participant.</summary>
    public WebRtcTransport ServerTransportOf(SyntheticParticipant participant)
    {
        lock (_control) return _members[participant].ServerSide;
    }

    /// <summary>The server side's media transport of a participant.</summary>
    public MediaTransport MediaOf(SyntheticParticipant participant)
    {
        lock (_control) return _members[participant].Media!;
    }

    public async Task LeaveAsync(SyntheticParticipant participant)
    {
        Member? member;
        lock (_control)
        {
            if (!_members.Remove(participant, out member)) return;
        }
        if (member.Media is not null && member.Router is not null)
        {
            await member.Router.CloseTransport(member.Media).ConfigureAwait(false);
        }
        member.ServerSide.Close();
        member.Client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        List<SyntheticParticipant> left;
        lock (_control) left = [.. _members.Keys];
        foreach (SyntheticParticipant p in left) await LeaveAsync(p).ConfigureAwait(false);
        List<Router> routers;
        lock (_control) routers = [.. _routers.Values];
        foreach (Router r in routers) await r.DisposeAsync().ConfigureAwait(false);
        _endpoint.Dispose();
    }

    private sealed class Member(SyntheticParticipant participant, IceControllingClient client, WebRtcTransport serverSide)
    {
        public SyntheticParticipant Participant { get; } = participant;

        public IceControllingClient Client { get; } = client;

        public WebRtcTransport ServerSide { get; } = serverSide;

        public Router? Router { get; set; }

        public MediaTransport? Media { get; set; }

        public List<Producer> Producers { get; } = [];
    }

    private sealed class ClientConnection(IceControllingClient client) : IParticipantConnection
    {
        public bool TrySendRtp(Span<byte> buffer, int length) => client.TrySendRtp(buffer, length);

        public ValueTask DisposeAsync()
        {
            client.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
