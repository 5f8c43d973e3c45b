namespace DigitalWeRoom.Sfu.Transport.Tcp;

/// <summary>Configuration of the passive ICE-TCP port (RFC 6544).</summary>
public sealed class IceTcpEndpointOptions
{
    /// <summary>Address to bind: <c>[::]</c> (dual-stack, default), <c>0.0.0.0</c>, or a specific address.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.IPv6Any;

    /// <summary>TCP port; 0 picks an ephemeral port (tests).</summary>
    public int Port { get; init; }

    /// <summary>Addresses put into the passive candidates; empty: the bind address when it is specific, else none.</summary>
    public IReadOnlyList<IPAddress> AnnouncedAddresses { get; init; } = [];

    /// <summary>Open connections in all (validated or not); more are refused at once.</summary>
    public int MaxConnections { get; init; } = 2048;

    /// <summary>Open connections from one remote address; more are refused at once.</summary>
    public int MaxConnectionsPerAddress { get; init; } = 16;

    /// <summary>
    /// Time a connection has to pass a STUN check with valid MESSAGE-INTEGRITY; after it the connection is closed
    /// (half-open and slow connections).
    /// </summary>
    public TimeSpan IceTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A validated connection that receives nothing (not even a consent check, RFC 7675) this long is closed.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest frame accepted (an Ethernet MTU, as on UDP); larger frames are skipped and counted.</summary>
    public int MaxFrame { get; init; } = Buffers.PooledPacket.MaxDatagramSize;

    /// <summary>Per-connection receive buffer (bytes).</summary>
    public int ReceiveBufferSize { get; init; } = 4096;

    /// <summary>Per-connection queue behind the kernel's send buffer (bytes); whole frames beyond it are dropped.</summary>
    public int MaxSendQueueBytes { get; init; } = 256 * 1024;

    /// <summary>How often connection deadlines are checked.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Listen backlog.</summary>
    public int Backlog { get; init; } = 512;
}
