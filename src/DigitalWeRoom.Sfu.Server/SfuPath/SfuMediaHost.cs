using System.Net;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Server.Options;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Tcp;
using DigitalWeRoom.Sfu.Transport.Udp;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.SfuPath;

/// <summary>
/// The server media path: the one UDP port (ICE-lite, DTLS-SRTP, plain STUN for P2P clients) and the passive
/// ICE-TCP port, sharing one <see cref="TransportDirectory"/>, and,
/// per room, a <see cref="Router"/>; per participant an <see cref="SfuSession"/>. Implements the
/// rooms' <see cref="IMediaSessionFactory"/>.
/// </summary>
internal sealed class SfuMediaHost : IMediaSessionFactory, IDisposable
{
    private readonly UdpSettings _udp;
    private readonly TcpSettings _tcp;
    private readonly MediaSettings _media;
    private readonly AnnouncedAddresses _announced;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly NegotiationOptions _negotiation;
    private readonly SimulcastSettings _simulcast;
    private readonly Lock _gate = new();
    private UdpEndpoint? _endpoint;
    private IceTcpEndpoint? _tcpEndpoint;
    private bool _disposed;

    public SfuMediaHost(IOptions<SfuOptions> options, AnnouncedAddresses announced, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _udp = options.Value.Udp;
        _tcp = options.Value.Tcp;
        _simulcast = options.Value.Simulcast;
        _negotiation = new NegotiationOptions { CameraSimulcastRids = _simulcast.Enabled ? [.. _simulcast.EffectiveRids] : [] };
        _media = options.Value.Media;
        _announced = announced;
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<SfuMediaHost>();
    }

    /// <summary>
    /// The shared UDP port, bound on first use (the host binds it at start-up). A bind failure (port in
    /// use) is logged and retried on the next room; such rooms run without the server path.
    /// </summary>
    public UdpEndpoint Endpoint
    {
        get
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (_endpoint is null)
                {
                    try
                    {
                        var udpOptions = new UdpEndpointOptions
                        {
                            BindAddress = IPAddress.Parse(_udp.BindAddress),
                            Port = _udp.Port,
                            AnnouncedAddresses = _announced.Addresses,
                            TimeProvider = _time,
                            ConsentTimeout = _udp.ConsentTimeout,
                            ConsentCheckInterval = TimeSpan.FromMilliseconds(Math.Min(1000, _udp.ConsentTimeout.TotalMilliseconds / 4)),
                        };
                        _endpoint = new UdpEndpoint(udpOptions).Start();
                        _tcpEndpoint = StartTcp(_endpoint.Directory);
                    }
                    catch (System.Net.Sockets.SocketException e)
                    {
                        _logger.LogError(e, "Media: cannot bind UDP {Address} port {Port}; rooms run without the server path until it can", _udp.BindAddress, _udp.Port);
                        throw;
                    }

                    _logger.LogInformation("Media on UDP {EndPoint}, candidates {Candidates}",
                        _endpoint.LocalEndPoint, string.Join(", ", _endpoint.LocalCandidates.Select(c => c.ToSdpValue())));
                }

                return _endpoint;
            }
        }
    }

    /// <summary>The passive ICE-TCP port, or null when disabled or its port could not be bound.</summary>
    public IceTcpEndpoint? TcpEndpoint
    {
        get
        {
            lock (_gate)
            {
                return _tcpEndpoint;
            }
        }
    }

    private IceTcpEndpoint? StartTcp(TransportDirectory directory)
    {
        if (!_tcp.Enabled)
        {
            return null;
        }
        try
        {
            var endpoint = new IceTcpEndpoint(new IceTcpEndpointOptions
            {
                BindAddress = IPAddress.Parse(_udp.BindAddress),
                Port = _tcp.Port,
                AnnouncedAddresses = _announced.Addresses,
                MaxConnections = _tcp.MaxConnections,
                MaxConnectionsPerAddress = _tcp.MaxConnectionsPerAddress,
                IceTimeout = _tcp.IceTimeout,
                IdleTimeout = _udp.ConsentTimeout,
            }, directory).Start();
            _logger.LogInformation("Media on ICE-TCP {EndPoint}", endpoint.LocalEndPoint);
            return endpoint;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // UDP still works; participants behind UDP-blocking firewalls lose their fallback, so say so loudly.
            _logger.LogError(e, "Media: cannot bind ICE-TCP {Address} port {Port}; running without ICE-TCP", _udp.BindAddress, _tcp.Port);
            return null;
        }
    }

    public IRoomMedia CreateRoom(string roomName) =>
        Track(new SfuRoomMedia(roomName, Endpoint, _negotiation, _time, _loggerFactory.CreateLogger<SfuRoomMedia>(),
            new RouterOptions { KeyFrameRequestMinInterval = _media.KeyFrameRequestMinInterval })
        {
            LastN = _media.LastN,
            Simulcast = _simulcast,
            Closed = r => _rooms.TryRemove(new(r.Router.Id, r)),
        });

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SfuRoomMedia> _rooms = new();

    private SfuRoomMedia Track(SfuRoomMedia room)
    {
        _rooms[room.Router.Id] = room;
        return room;
    }

    /// <summary>The open room's media by room name (diagnostics, tests).</summary>
    internal SfuRoomMedia? FindRoom(string roomName) => _rooms.TryGetValue(roomName, out var room) ? room : null;

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _endpoint?.Directory.Dispose();
            _tcpEndpoint?.Dispose();
            _endpoint?.Dispose();
        }
    }
}

/// <summary>Binds the media port at start-up, so a misconfiguration shows at once (and STUN answers early).</summary>
internal sealed class SfuMediaHostedService(SfuMediaHost host) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _ = host.Endpoint;
        }
        catch (System.Net.Sockets.SocketException)
        {
            // Logged by the host; the next room retries.
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
