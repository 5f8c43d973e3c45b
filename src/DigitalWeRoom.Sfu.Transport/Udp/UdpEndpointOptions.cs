using DigitalWeRoom.Sfu.Transport.Dtls;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>Configuration of the shared WebRTC UDP port.</summary>
public sealed class UdpEndpointOptions
{
    /// <summary>Address to bind: <c>[::]</c> (dual-stack, default), <c>0.0.0.0</c>, or a specific address.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.IPv6Any;

    /// <summary>UDP port; 0 picks an ephemeral port (tests).</summary>
    public int Port { get; init; }

    /// <summary>
    /// Addresses put into host candidates (the public/announced addresses, IPv4 and IPv6). Empty: the
    /// bind address when it is specific, else no candidates.
    /// </summary>
    public IReadOnlyList<IPAddress> AnnouncedAddresses { get; init; } = [];

    /// <summary>
    /// STUN servers asked at start-up, through this socket, for its public mapped address (a 1:1 NAT in front of a
    /// private interface address); each mapped address found is announced like <see cref="AnnouncedAddresses"/>.
    /// </summary>
    public IReadOnlyList<IPEndPoint> StunServers { get; init; } = [];

    /// <summary>How long the start-up STUN probe may take in all (requests retransmitted within it).</summary>
    public TimeSpan StunTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Clock for consent freshness (tests pass a FakeTimeProvider).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>RFC 7675 §5.1: 30 s without a valid check fails the transport.</summary>
    public TimeSpan ConsentTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often consent expiry is checked across all transports.</summary>
    public TimeSpan ConsentCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>DTLS handshake limit; after it the transport fails.</summary>
    public TimeSpan DtlsHandshakeTimeout { get; init; } = TimeSpan.FromMilliseconds(DtlsSrtpPolicy.HandshakeTimeoutMillis);

    /// <summary>
    /// Linux nice (1..19) of the threads that run DTLS handshakes, so a storm of joins cannot take the CPU from the
    /// media threads (<see cref="ThreadNiceness"/>); 0 leaves them at the process's own priority.
    /// </summary>
    public int DtlsHandshakeNice { get; init; } = ThreadNiceness.JoinWork;

    /// <summary>The handshake's P-256 ECDSA in OpenSSL (<see cref="DtlsCrypto"/>); false: BouncyCastle alone.</summary>
    public bool DtlsOpenSsl { get; init; } = true;

    /// <summary>Certificate presented in DTLS; default the per-process one.</summary>
    public DtlsCertificate? Certificate { get; init; }

    /// <summary>Idle packets the pool keeps.</summary>
    public int PoolMaxRetained { get; init; } = 4096;

    /// <summary>
    /// Send through the calling thread's <see cref="EgressBatch"/> (one <c>sendmmsg</c> per batch) when one is open;
    /// off: one <c>sendto</c> per datagram. Only effective on Linux 64-bit.
    /// </summary>
    public bool BatchSends { get; init; } = true;

    /// <summary>
    /// Sockets bound to the one port with SO_REUSEPORT, each read by its own receive thread (Linux; elsewhere 1).
    /// The kernel keeps each remote address on one socket, so one peer's packets stay on one thread; more sockets
    /// spread publishers' receive, decrypt and fan-out work over cores.
    /// </summary>
    public int ReceiveSockets { get; init; } = 1;

    /// <summary>
    /// With a wildcard <see cref="BindAddress"/> on Linux: also bind each local address on the port (one socket each,
    /// <see cref="ReceiveSockets"/> each), so a multi-homed host answers from the address a check was sent to
    /// (RFC 8445 §7.2.5.2.1) instead of the one the kernel's route picks. The server turns it on; clients leave it off.
    /// </summary>
    public bool BindEachAddress { get; init; }

    /// <summary>
    /// Linux, one receive socket per address: bind the port's sockets with SO_REUSEPORT (after checking the port is
    /// free) so a dedicated send thread (<see cref="EgressBatch.SendFromOwnSockets"/>) can send through a socket of its
    /// own on the same address and port (<see cref="LaneSockets"/>); every datagram is still read by the receive socket.
    /// The server and the in-process load target turn it on.
    /// </summary>
    public bool LaneSendSockets { get; init; }

    /// <summary>Tests: runs with the port the exclusive probe found, before the shared bind (to take it in between).</summary>
    internal Action<int>? AfterPortProbe { get; init; }

    /// <summary>Kernel socket buffers (bytes); 0 leaves the default.</summary>
    public int SocketBufferSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Kernel receive buffer (bytes) when it should differ from <see cref="SocketBufferSize"/> (0: the same); beyond
    /// net.core.rmem_max it is forced where the process may (<see cref="UdpSockets.SetReceiveBuffer"/>).
    /// </summary>
    public int ReceiveBufferSize { get; init; }
}
