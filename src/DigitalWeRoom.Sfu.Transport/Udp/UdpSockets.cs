using DigitalWeRoom.Sfu.Transport.Ice;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>How <see cref="UdpEndpoint"/> binds its sockets: the port's (wildcard or specific) and one per local address.</summary>
internal static class UdpSockets
{
    /// <summary>One UDP socket on <paramref name="bind"/>:<paramref name="port"/> (a <c>::</c> bind is dual-stack).</summary>
    public static Socket Bind(UdpEndpointOptions options, IPAddress bind, int port, bool reusePort)
    {
        var socket = new Socket(bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (bind.AddressFamily == AddressFamily.InterNetworkV6 && bind.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }
            if (options.SocketBufferSize > 0)
            {
                socket.ReceiveBufferSize = options.SocketBufferSize;
                socket.SendBufferSize = options.SocketBufferSize;
            }
            if (reusePort)
            {
                // Linux SO_REUSEPORT (SOL_SOCKET 1, option 15): the kernel spreads remote 4-tuples over the sockets
                // of one address, so each peer's datagrams always reach the same receive thread; it also lets one
                // socket per local address share the port with the wildcard one (UdpAddressSocket).
                Span<byte> on = stackalloc byte[sizeof(int)];
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(on, 1);
                socket.SetRawSocketOption(1, 15, on);
            }
            socket.Bind(new IPEndPoint(bind, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// <see cref="UdpEndpointOptions.BindEachAddress"/>: <paramref name="wildcard"/> (each read as
    /// <paramref name="port"/> itself), then <paramref name="count"/> sockets per local address on the same port, each
    /// read as its <see cref="UdpAddressSocket"/>. An address that cannot be bound is left to the wildcard socket and
    /// counted in <c>Failed</c>.
    /// </summary>
    public static (Socket[] Sockets, IIceSocket[] Via, int Failed) BindEachAddress(
        UdpEndpoint port, Socket[] wildcard, UdpEndpointOptions options, int count)
    {
        List<Socket> sockets = [.. wildcard];
        List<IIceSocket> via = [.. wildcard.Select(_ => (IIceSocket)port)];
        int failed = 0;
        foreach (IPAddress address in UdpAddressSocket.LocalAddresses(options.BindAddress))
        {
            for (int i = 0; i < count; i++)
            {
                try
                {
                    var socket = Bind(options, address, port.LocalEndPoint.Port, reusePort: true);
                    sockets.Add(socket);
                    via.Add(new UdpAddressSocket(port, socket));
                }
                catch (SocketException)
                {
                    failed++;
                    break;
                }
            }
        }
        return ([.. sockets], [.. via], failed);
    }
}
