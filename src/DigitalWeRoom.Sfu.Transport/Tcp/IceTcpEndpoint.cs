using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tcp;

/// <summary>
/// The passive ICE-TCP port (RFC 6544): participants whose UDP to the server is blocked reach the same transports
/// over TCP, framed per RFC 4571. It announces passive host candidates into the shared
/// <see cref="TransportDirectory"/> and serves the same ICE-lite/DTLS/SRTP transports as the UDP port. Hostile input is
/// bounded: a total and a per-address connection cap (refused at accept), a deadline for passing a valid STUN check,
/// an idle deadline afterwards, bounded per-connection buffers, and frames over the size limit skipped; every refusal
/// and close is counted by <see cref="TcpCloseReason"/>.
/// </summary>
public sealed class IceTcpEndpoint : IDisposable
{
    private readonly Socket _listener;
    private readonly Dictionary<IPAddress, int> _perAddress = [];
    private readonly ConcurrentDictionary<IceTcpConnection, byte> _connections = new();
    private readonly long[] _closed = new long[16];
    private readonly ITimer _sweeper;
    private Task? _acceptLoop;
    private long _accepted;
    private long _validated;
    private long _frames;
    private volatile bool _disposed;

    /// <summary>
    /// Listens on the port. Its passive candidates carry <see cref="IceTcpEndpointOptions.AnnouncedAddresses"/> (or
    /// the bind address when it is specific) and <paramref name="publicAddresses"/>: the public addresses of a 1:1 NAT
    /// that the UDP port learned from STUN (<see cref="UdpEndpoint.PublicAddresses"/>), since the NAT maps TCP the same way.
    /// </summary>
    public IceTcpEndpoint(IceTcpEndpointOptions options, TransportDirectory directory, IReadOnlyList<IPAddress>? publicAddresses = null)
    {
        Options = options;
        Directory = directory;
        Time = directory.Options.TimeProvider;
        IPAddress bind = options.BindAddress;
        _listener = new Socket(bind.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (bind.AddressFamily == AddressFamily.InterNetworkV6 && bind.Equals(IPAddress.IPv6Any))
            {
                _listener.DualMode = true;
            }
            _listener.Bind(new IPEndPoint(bind, options.Port));
            _listener.Listen(options.Backlog);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
        IReadOnlyList<IPAddress> announced = options.AnnouncedAddresses.Count > 0 ? options.AnnouncedAddresses
            : bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any) ? [] : [bind];
        announced = [.. announced.Union(publicAddresses ?? [])];
        directory.AddCandidates(HostCandidate.ForTcp(announced, LocalEndPoint.Port, directory.LocalCandidates.Count));
        _sweeper = Time.CreateTimer(static state => ((IceTcpEndpoint)state!).Sweep(), this, options.SweepInterval, options.SweepInterval);
    }

    public IceTcpEndpointOptions Options { get; }

    public TransportDirectory Directory { get; }

    internal TimeProvider Time { get; }

    public IPEndPoint LocalEndPoint { get; }

    public int Port => LocalEndPoint.Port;

    /// <summary>Drops by reason of input on every connection (oversize frames: <see cref="DropReason.TooLarge"/>).</summary>
    public DropCounters Drops { get; } = new();

    /// <summary>Connections open now.</summary>
    public int ConnectionCount => _connections.Count;

    /// <summary>Open connections a valid STUN check bound to a transport.</summary>
    public int ValidatedConnectionCount => _connections.Keys.Count(c => c.IsValidated);

    public long ConnectionsAccepted => Interlocked.Read(ref _accepted);

    public long ConnectionsValidated => Interlocked.Read(ref _validated);

    /// <summary>Frames received on every connection.</summary>
    public long FramesReceived => Interlocked.Read(ref _frames);

    /// <summary>Connections closed (or refused) for <paramref name="reason"/>.</summary>
    public long Closed(TcpCloseReason reason) => Interlocked.Read(ref _closed[(int)reason]);

    /// <summary>Starts accepting (once).</summary>
    public IceTcpEndpoint Start()
    {
        _acceptLoop ??= Task.Run(AcceptLoopAsync);
        return this;
    }

    /// <summary>The open connections (tests, diagnostics).</summary>
    internal IEnumerable<IceTcpConnection> Connections => _connections.Keys;

    internal void CountFrame() => Interlocked.Increment(ref _frames);

    internal void OnValidated(IceTcpConnection connection) => Interlocked.Increment(ref _validated);

    internal void OnClosed(IceTcpConnection connection, TcpCloseReason reason)
    {
        if (!_connections.TryRemove(connection, out _))
        {
            return;
        }
        Interlocked.Increment(ref _closed[(int)reason]);
        lock (_perAddress)
        {
            if (_perAddress.TryGetValue(connection.RemoteKey, out int count))
            {
                if (count <= 1)
                {
                    _perAddress.Remove(connection.RemoteKey);
                }
                else
                {
                    _perAddress[connection.RemoteKey] = count - 1;
                }
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_disposed)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (_disposed)
                {
                    return;
                }
                continue;
            }
            Admit(socket);
        }
    }

    private void Admit(Socket socket)
    {
        IPEndPoint? remote;
        try
        {
            remote = socket.RemoteEndPoint as IPEndPoint;
        }
        catch (SocketException)
        {
            remote = null;
        }
        if (remote is null)
        {
            socket.Dispose();
            return;
        }
        IPAddress key = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        bool admitted;
        lock (_perAddress)
        {
            int count = _perAddress.GetValueOrDefault(key);
            admitted = !_disposed && _connections.Count < Options.MaxConnections && count < Options.MaxConnectionsPerAddress;
            if (admitted)
            {
                _perAddress[key] = count + 1;
            }
        }
        if (!admitted)
        {
            Interlocked.Increment(ref _closed[(int)TcpCloseReason.Refused]);
            // RST rather than FIN: nothing of ours lingers for a refused peer.
            socket.LingerState = new LingerOption(true, 0);
            socket.Dispose();
            return;
        }
        Interlocked.Increment(ref _accepted);
        socket.NoDelay = true;
        // Sends never block a receive or send loop: what the kernel does not take is queued (TcpFrameWriter).
        socket.Blocking = false;
        var connection = new IceTcpConnection(this, socket, remote, key);
        _connections[connection] = 0;
        _ = connection.RunAsync();
    }

    private void Sweep()
    {
        foreach (IceTcpConnection connection in _connections.Keys)
        {
            if (!connection.IsValidated)
            {
                if (Time.GetElapsedTime(connection.AcceptedAt) >= Options.IceTimeout)
                {
                    connection.Close(TcpCloseReason.IceTimeout);
                }
            }
            else if (Time.GetElapsedTime(connection.LastReceived) >= Options.IdleTimeout)
            {
                connection.Close(TcpCloseReason.Idle);
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _sweeper.Dispose();
        _listener.Dispose();
        foreach (IceTcpConnection connection in _connections.Keys)
        {
            connection.Close(TcpCloseReason.Shutdown);
        }
    }
}
