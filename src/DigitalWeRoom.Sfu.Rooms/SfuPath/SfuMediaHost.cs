using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Media.Speech;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Tcp;
using DigitalWeRoom.Sfu.Transport.Udp;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// The server media path: the one UDP port (ICE-lite, DTLS-SRTP, plain STUN for P2P clients) and the passive
/// ICE-TCP port, sharing one <see cref="TransportDirectory"/>, and,
/// per room, a <see cref="Router"/>; per participant an <see cref="SfuSession"/>. Implements the
/// rooms' <see cref="IMediaSessionFactory"/>.
/// </summary>
public sealed class SfuMediaHost : IMediaSessionFactory, IRoomMediaClosedListener, IDisposable
{
    private readonly SfuMediaSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly NegotiationOptions _negotiation;
    private readonly SimulcastSettings _simulcast;
    private readonly Lock _gate = new();
    private readonly SendWorkerPool _sendWorkers;
    private UdpEndpoint? _endpoint;
    private IceTcpEndpoint? _tcpEndpoint;
    private bool _disposed;

    public SfuMediaHost(SfuMediaSettings settings, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _settings = settings;
        _simulcast = settings.Simulcast;
        _negotiation = new NegotiationOptions { CameraSimulcastRids = _simulcast.Enabled ? [.. _simulcast.EffectiveRids] : [] };
        _time = time;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<SfuMediaHost>();
        _sendWorkers = new SendWorkerPool(new SendWorkerOptions { Workers = settings.SendWorkers, TransportQueueCapacity = settings.SendQueueCapacity });
    }

    /// <summary>The send workers every room of this host shares (metrics read their queue overflows).</summary>
    public SendWorkerPool SendWorkerPool => _sendWorkers;

    /// <summary>The directory of transports once the ports are bound (metrics read it; null before).</summary>
    public TransportDirectory? BoundDirectory
    {
        get
        {
            lock (_gate)
            {
                return _endpoint?.Directory;
            }
        }
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
                        _endpoint = new UdpEndpoint(_settings.Udp).Start();
                        _tcpEndpoint = StartTcp(_endpoint.Directory, _endpoint.PublicAddresses);
                    }
                    catch (System.Net.Sockets.SocketException e)
                    {
                        _logger.LogError(e, "Media: cannot bind UDP {Address} port {Port}; rooms run without the server path until it can", _settings.Udp.BindAddress, _settings.Udp.Port);
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

    private IceTcpEndpoint? StartTcp(TransportDirectory directory, IReadOnlyList<System.Net.IPAddress> publicAddresses)
    {
        if (_settings.Tcp is not { } options)
        {
            return null;
        }
        try
        {
            var endpoint = new IceTcpEndpoint(options, directory, publicAddresses).Start();
            _logger.LogInformation("Media on ICE-TCP {EndPoint}", endpoint.LocalEndPoint);
            return endpoint;
        }
        catch (System.Net.Sockets.SocketException e)
        {
            // UDP still works; participants behind UDP-blocking firewalls lose their fallback, so say so loudly.
            _logger.LogError(e, "Media: cannot bind ICE-TCP {Address} port {Port}; running without ICE-TCP", options.BindAddress, options.Port);
            return null;
        }
    }

    public IRoomMedia CreateRoom(string roomName) =>
        Track(new SfuRoomMedia(roomName, Endpoint, _negotiation, _time, _loggerFactory.CreateLogger<SfuRoomMedia>(),
            new RouterOptions { KeyFrameRequestMinInterval = _settings.KeyFrameRequestMinInterval, SendWorkers = _sendWorkers, Pacing = _settings.Pacing })
        {
            LastN = _settings.LastN,
            Simulcast = _simulcast,
            ClosedListener = this,
        });

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SfuRoomMedia> _rooms = new();

    private SfuRoomMedia Track(SfuRoomMedia room)
    {
        _rooms[room.Router.Id] = room;
        return room;
    }

    void IRoomMediaClosedListener.OnRoomMediaClosed(SfuRoomMedia room) => _rooms.TryRemove(new(room.Router.Id, room));

    /// <summary>The open room's media by room name (diagnostics, tests).</summary>
    public SfuRoomMedia? FindRoom(string roomName) => _rooms.TryGetValue(roomName, out var room) ? room : null;

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _endpoint?.Directory.Dispose();
            _tcpEndpoint?.Dispose();
            _endpoint?.Dispose();
        }
        _sendWorkers.Dispose();
    }
}

/// <summary>What the server media path is configured with (the host maps its configuration onto this).</summary>
public sealed record SfuMediaSettings
{
    /// <summary>The shared UDP port: bind address, port, announced addresses, consent timing.</summary>
    public required UdpEndpointOptions Udp { get; init; }

    /// <summary>The passive ICE-TCP port sharing the UDP port's transports; null: no ICE-TCP.</summary>
    public IceTcpEndpointOptions? Tcp { get; init; }

    public SimulcastSettings Simulcast { get; init; } = new();

    /// <summary>Video forwarded to each subscriber: the N most recent speakers (and pinned/visible tiles).</summary>
    public int LastN { get; init; } = LastNSelector.DefaultN;

    public TimeSpan KeyFrameRequestMinInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Partitions of a room's fan-out over cores (<see cref="SendWorkerOptions.Workers"/>; 0: one per core).</summary>
    public int SendWorkers { get; init; }

    /// <summary>Items each transport may have waiting at its send worker (<see cref="SendWorkerOptions.TransportQueueCapacity"/>).</summary>
    public int SendQueueCapacity { get; init; } = SendWorkerOptions.DefaultTransportQueueCapacity;

    /// <summary>Pace each subscriber's video to its bandwidth estimate (<see cref="RouterOptions.Pacing"/>).</summary>
    public bool Pacing { get; init; } = true;
}
