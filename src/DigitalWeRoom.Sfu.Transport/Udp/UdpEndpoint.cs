using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// The one UDP socket every WebRTC session of the server shares. A dedicated receive thread reads
/// each datagram into a pooled packet with a reused <see cref="SocketAddress"/> (no allocation per
/// packet), demultiplexes it by RFC 7983 and admits DTLS/SRTP only from tuples ICE has validated.
/// STUN goes to the <see cref="IceLiteAgent"/>; DTLS and SRTP to the owning
/// <see cref="WebRtcTransport"/>, found in the <see cref="TransportDirectory"/> this socket shares with the
/// ICE-TCP port. Sending uses the <see cref="SocketAddress"/> overload (0 B per packet).
/// </summary>
public sealed partial class UdpEndpoint : IIceSocket, IDisposable
{
    private volatile Socket _socket;
    private readonly Socket[] _sockets;
    private readonly IIceSocket[] _receivedVia;
    private readonly UdpEndpointOptions _options;
    private readonly TransportDirectory _directory;
    private readonly bool _ownsDirectory;
    private readonly LaneSockets? _laneSockets;
    // The first socket of each SO_REUSEPORT group whose reception ReusePortSteering pins to its receive sockets.
    private readonly HashSet<Socket> _steered = [];
    private Thread[]? _receiveThreads;
    // The port's own receive sockets (the first of _sockets; the per-address ones follow).
    private readonly int _portSockets;

    private volatile bool _disposed;

    /// <summary>
    /// Binds the port. Transports live in <paramref name="directory"/> (shared with other sockets) or, without one,
    /// in a directory of this endpoint's own made from <paramref name="options"/> and disposed with it.
    /// </summary>
    public UdpEndpoint(UdpEndpointOptions options, TransportDirectory? directory = null)
    {
        _options = options;
        IPAddress bind = options.BindAddress;
        int count = OperatingSystem.IsLinux() ? Math.Max(1, options.ReceiveSockets) : 1;
        bool eachAddress = options.BindEachAddress && OperatingSystem.IsLinux() && (bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any));
        bool lanes = options.LaneSendSockets && OperatingSystem.IsLinux();
        // SO_REUSEPORT (several receive sockets, one per local address, lane send sockets) needs a port no one else
        // holds; port 0 with lanes: the kernel's free port, then bound shared (UdpSockets.BindPort).
        Socket[] sockets = UdpSockets.BindPort(options, bind, options.Port, count,
            shared: count > 1 || eachAddress || lanes, probe: (eachAddress && options.Port != 0) || lanes);
        _sockets = sockets;
        _portSockets = count;
        _receivedVia = [.. sockets.Select(_ => (IIceSocket)this)];
        _socket = _sockets[0];
        // Each remote tuple to one of the receive sockets, never to a lane socket (ReusePortSteering); a kernel that
        // refuses the program hashes over the group itself, so lanes (which would get datagrams) stay off.
        bool steer = count > 1 || lanes;
        if (steer && !UdpSockets.TrySteer(sockets[0], count, _steered))
        {
            lanes = false;
        }
        _laneSockets = lanes ? new LaneSockets(options, _steered) : null;
        LocalEndPoint = (IPEndPoint)_socket.LocalEndPoint!;
        _ownsDirectory = directory is null;
        _directory = directory ?? new TransportDirectory(options);
        IReadOnlyList<IPAddress> announced = options.AnnouncedAddresses.Count > 0 ? options.AnnouncedAddresses
            : bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any) ? [] : [bind];
        if (options.StunServers.Count > 0)
        {
            // Before any receive loop runs: the probe reads the sockets itself. A mapped port other than ours is not a
            // 1:1 NAT (the mapping would differ per peer): not announced, counted as unusable.
            var probe = StunMappedAddressProbe.Probe(sockets, options.StunServers, options.StunTimeout);
            MappedAddresses = probe.Mapped;
            StunServersUnanswered = probe.Unanswered;
            PublicAddresses = [.. probe.Mapped.Where(m => m.Port == LocalEndPoint.Port).Select(m => m.Address).Distinct()];
            announced = [.. announced.Union(PublicAddresses)];
        }
        _directory.AddCandidates(HostCandidate.For(announced, LocalEndPoint.Port));
        if (eachAddress)
        {
            // After the probe, which reads its answers on the wildcard sockets.
            (_sockets, _receivedVia, AddressSocketsFailed) = UdpSockets.BindEachAddress(this, _sockets, options, count, steer ? _steered : null);
        }
    }

    /// <summary>Local addresses <see cref="UdpEndpointOptions.BindEachAddress"/> could not bind (the wildcard socket serves them).</summary>
    public int AddressSocketsFailed { get; }

    /// <summary>Sockets bound to one local address each (<see cref="UdpEndpointOptions.BindEachAddress"/>).</summary>
    public int AddressSocketCount => _receivedVia.Count(v => v is UdpAddressSocket);

    /// <summary>What the start-up STUN probe learnt: this socket's address as the STUN servers saw it (1:1 NAT).</summary>
    public IReadOnlyList<IPEndPoint> MappedAddresses { get; } = [];

    /// <summary>
    /// The addresses of <see cref="MappedAddresses"/> that kept our port: a 1:1 NAT's public addresses, announced for
    /// this port and, since such a NAT maps TCP the same way, for the ICE-TCP port too.
    /// </summary>
    public IReadOnlyList<IPAddress> PublicAddresses { get; } = [];

    /// <summary>STUN servers of <see cref="UdpEndpointOptions.StunServers"/> that did not answer within the timeout.</summary>
    public int StunServersUnanswered { get; }

    /// <summary>The transports this port serves (shared with the ICE-TCP port).</summary>
    public TransportDirectory Directory => _directory;

    public IPEndPoint LocalEndPoint { get; private set; }

    /// <summary>Sockets bound to the port (more than one: SO_REUSEPORT, each with its own receive thread).</summary>
    public int ReceiveSocketCount => _sockets.Length;

    public int Port => LocalEndPoint.Port;

    public AddressFamily AddressFamily => _socket.AddressFamily;

    /// <summary>The (first) socket, for a caller that receives without <see cref="Start"/> (load generator).</summary>
    public Socket PrimarySocket => _socket;

    /// <summary>Drops by reason for everything that reached this socket.</summary>
    public DropCounters Drops { get; } = new();

    public PacketPool Pool => _directory.Pool;

    public DtlsCertificate Certificate => _directory.Certificate;

    public IceLiteAgent Ice => _directory.Ice;

    public UdpEndpointOptions Options => _options;

    /// <summary>Host candidates of every socket of the directory (this port's UDP ones first) for SDP answers.</summary>
    public IReadOnlyList<HostCandidate> LocalCandidates => _directory.LocalCandidates;

    /// <summary>Live transports.</summary>
    public int TransportCount => _directory.TransportCount;

    public long DatagramsReceived => _datagrams.Sum(Received);

    public long DatagramsSent => _datagrams.Sum(Sent);

    /// <summary>System calls that sent batches (<c>sendmmsg</c>, EgressBatch): DatagramsSent / SendCalls is the batching.</summary>
    internal long SendCalls => _datagrams.Sum(Calls);

    private const int Sent = 0, Received = 1, Calls = 2;
    // Added by every thread that sends (receive loops, send workers) per batch and by every receive loop per datagram:
    // per core, so two loops or a loop and a worker share no line.
    private readonly PerCoreCounters _datagrams = new(3);

    /// <summary>Starts the receive thread (once).</summary>
    public UdpEndpoint Start()
    {
        if (_receiveThreads is null)
        {
            _receiveThreads = new Thread[_sockets.Length];
            for (int i = 0; i < _sockets.Length; i++)
            {
                _receiveThreads[i] = new Thread(ReceiveLoop)
                {
                    IsBackground = true,
                    Name = "dwr-udp-" + LocalEndPoint.Port + (i == 0 ? "" : "-" + i),
                };
                _receiveThreads[i].Start(i);
            }
        }
        return this;
    }

    /// <summary>Creates one peer's transport in this port's directory; it is reachable by its local ufrag at once.</summary>
    public WebRtcTransport CreateTransport(WebRtcTransportOptions options)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _directory.CreateTransport(options);
    }

    /// <summary>
    /// A network change on a client's port (load generator, fault tests): from now on it sends from and receives on
    /// a new socket bound to <paramref name="bind"/> (ephemeral port); the old socket is closed.
    /// </summary>
    public void MoveTo(IPAddress bind)
    {
        if (_sockets.Length != 1 || bind.AddressFamily != _socket.AddressFamily)
        {
            throw new InvalidOperationException("only a single-socket endpoint moves, within its address family");
        }

        Socket fresh = UdpSockets.Bind(_options, bind, 0, reusePort: false);
        Socket old = _socket;
        Volatile.Write(ref _sockets[0], fresh);
        _socket = fresh;
        LocalEndPoint = (IPEndPoint)fresh.LocalEndPoint!;
        old.Dispose();
    }

    /// <summary>
    /// Sends one datagram; false (and no exception) if the socket refused it. Inside an <see cref="EgressBatch"/>
    /// scope of the calling thread the datagram is copied into the batch and sent with the others when the scope
    /// ends (true then means queued; a later kernel refusal is counted in <see cref="SendErrors"/>).
    /// </summary>
    internal bool SendTo(ReadOnlySpan<byte> datagram, SocketAddress destination) => SendTo(_socket, datagram, destination);

    /// <summary><see cref="SendTo(ReadOnlySpan{byte}, SocketAddress)"/> through one of this port's sockets.</summary>
    internal bool SendTo(Socket socket, ReadOnlySpan<byte> datagram, SocketAddress destination)
    {
        if (_options.BatchSends && EgressBatch.Current is { } batch && !_disposed && batch.TryAdd(this, socket, datagram, destination))
        {
            return true;
        }
        try
        {
            socket.SendTo(datagram, SocketFlags.None, destination);
            _datagrams.Add(Sent, 1);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Receive socket <paramref name="index"/> (tests: which one the steering picks).</summary>
    internal Socket ReceiveSocket(int index) => _sockets[index];

    /// <summary>What each receive socket is read as: the port itself, or a <see cref="UdpAddressSocket"/> (tests).</summary>
    internal IReadOnlyList<IIceSocket> ReadVia => _receivedVia;

    /// <summary>Send sockets of dedicated send threads (<see cref="UdpEndpointOptions.LaneSendSockets"/>; null: off).</summary>
    internal LaneSockets? LaneSockets => _laneSockets;

    /// <summary>Send sockets of dedicated send threads bound so far (<see cref="UdpEndpointOptions.LaneSendSockets"/>).</summary>
    public int LaneSocketCount => _laneSockets?.Count ?? 0;

    /// <summary>Datagrams of a flushed <see cref="EgressBatch"/> the kernel refused.</summary>
    public long SendErrors => Interlocked.Read(ref _sendErrors);

    private long _sendErrors;

    /// <summary>Called by <see cref="EgressBatch.Flush"/>: one <c>sendmmsg</c> of its first <paramref name="count"/> slots.</summary>
    internal void SendBatch(EgressBatch batch, Socket socket, int count)
    {
        if (EgressBatch.Lane is int lane and > 0 && _laneSockets is { } lanes)
        {
            socket = lanes.For(socket, lane);
        }
        else if (t_loopIndex > 0 && ReferenceEquals(t_loopOf, this) && ReferenceEquals(socket, _socket))
        {
            // Receive loop i sends through socket i of the port (same address and port, so the peer sees the same
            // 5-tuple): two loops do not write one socket's send accounting from two cores per batch.
            socket = _sockets[t_loopIndex];
        }
        int sent = batch.SendAll(socket.SafeHandle, count);
        _datagrams.Add(Sent, sent, Calls, 1);
        if (sent < count)
        {
            Interlocked.Add(ref _sendErrors, count - sent);
        }
    }

    bool IIceSocket.Send(ReadOnlySpan<byte> packet, SocketAddress remote) => SendTo(packet, remote);

    /// <summary>
    /// Closes the socket before the transports, so nothing leaves (no DTLS close_notify): the peer sees what
    /// a killed process leaves behind and learns only from consent expiry (RFC 7675). Fault tests.
    /// </summary>
    internal void Abandon()
    {
        _socket.Dispose();
        Dispose();
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_ownsDirectory)
        {
            _directory.Dispose();
        }
        _laneSockets?.Dispose();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }
        foreach (var thread in _receiveThreads ?? [])
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join(TimeSpan.FromSeconds(2));
            }
        }
    }
}
