using System.Diagnostics.CodeAnalysis;
using System.Text;
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
public sealed class UdpEndpoint : IIceSocket, IDisposable
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

    // The receive loop the calling thread runs (SendBatch: a loop sends through its own socket of the port).
    [ThreadStatic]
    private static UdpEndpoint? t_loopOf;

    [ThreadStatic]
    private static int t_loopIndex;
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

    private const int Sent = 0, Received = 1;
    // Added by every thread that sends (receive loops, send workers) per batch and by every receive loop per datagram:
    // per core, so two loops or a loop and a worker share no line.
    private readonly PerCoreCounters _datagrams = new(2);

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
        _datagrams.Add(Sent, sent);
        if (sent < count)
        {
            Interlocked.Add(ref _sendErrors, count - sent);
        }
    }

    /// <summary>
    /// Everything the receive loop does with one datagram, callable directly (tests, benchmarks).
    /// The caller keeps its reference to <paramref name="packet"/> and releases it afterwards;
    /// listeners that keep the packet AddRef it.
    /// </summary>
    public void ProcessDatagram(PooledPacket packet, SocketAddress remote) => ProcessDatagram(packet, remote, this);

    /// <summary>One datagram read from the socket <paramref name="via"/> stands for (STUN answers and new pairs use it).</summary>
    private void ProcessDatagram(PooledPacket packet, SocketAddress remote, IIceSocket via)
    {
        if (packet.Length > PooledPacket.MaxDatagramSize)
        {
            Drops.Increment(DropReason.TooLarge);
            return;
        }
        switch (PacketClassifier.Classify(packet.Span))
        {
            case PacketKind.Stun:
                Ice.OnStun(packet.Span, remote, via);
                break;
            case PacketKind.Dtls:
                if (LookupValidated(remote, out WebRtcTransport? dtlsOwner, out TransportTuple tuple))
                {
                    dtlsOwner.OnDtlsDatagram(packet, tuple, Drops);
                }
                break;
            case PacketKind.Rtp:
                if (LookupValidated(remote, out WebRtcTransport? srtpOwner, out _))
                {
                    srtpOwner.OnSrtpDatagram(packet);
                }
                break;
            default:
                Drops.Increment(DropReason.UnknownProtocol);
                break;
        }
    }

    private bool LookupValidated(SocketAddress remote, [NotNullWhen(true)] out WebRtcTransport? owner, out TransportTuple tuple)
    {
        if (TransportTuple.TryFrom(remote, out tuple))
        {
            return _directory.LookupValidated(tuple, Drops, out owner);
        }
        Drops.Increment(DropReason.UnvalidatedAddress);
        owner = null;
        return false;
    }

    bool IIceSocket.Send(ReadOnlySpan<byte> packet, SocketAddress remote) => SendTo(packet, remote);

    private void ReceiveLoop(object? state)
    {
        int index = (int)state!;
        EgressBatch.KeepOnThisThread();
        t_loopOf = this;
        t_loopIndex = index < _portSockets ? index : 0;
        var remote = new SocketAddress(_sockets[index].AddressFamily);
        PooledPacket? packet = null;
        // How busy this loop is: senders of other threads' work send on it instead while it has time to spare.
        var load = ReceiveLoopLoad.StartNow();
        while (!_disposed)
        {
            packet ??= Pool.Rent();
            int received;
            Socket socket = Volatile.Read(ref _sockets[index]);
            try
            {
                received = socket.ReceiveFrom(packet.Buffer.AsSpan(), SocketFlags.None, remote);
            }
            catch (Exception) when (!_disposed && socket != Volatile.Read(ref _sockets[index]))
            {
                // MoveTo replaced the socket: receive on the new one.
                continue;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
            {
                Drops.Increment(DropReason.TooLarge);
                continue;
            }
            catch (SocketException) when (!_disposed)
            {
                // ICMP errors surface as ConnectionReset/Refused on UDP sockets; keep receiving.
                continue;
            }
            catch (Exception) when (_disposed)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            load.Begin();
            if (Diagnostics.PathTrace.Enabled) Diagnostics.PathTrace.OnReceived(socket);
            _datagrams.Add(Received, 1);
            packet.Length = received;
            // Sends this datagram causes (STUN answers, forwarded media when sent inline) leave in one sendmmsg.
            using (EgressBatch.Enter())
            {
                try
                {
                    ProcessDatagram(packet, remote, _receivedVia[index]);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // NOTE: a listener bug must not stop the port for everyone; counted as malformed input.
                    Drops.Increment(DropReason.Malformed);
                }
            }
            // The batch's sendmmsg included: it is the loop's work too.
            load.End();
            if (packet.References == 1)
            {
                // Nobody kept it: reuse the same buffer for the next datagram.
                packet.Length = 0;
            }
            else
            {
                packet.Release();
                packet = null;
            }
        }
        packet?.Release();
    }

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
