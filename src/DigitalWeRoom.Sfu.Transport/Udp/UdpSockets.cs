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
                socket.SendBufferSize = options.SocketBufferSize;
            }
            int receiveBuffer = options.ReceiveBufferSize > 0 ? options.ReceiveBufferSize : options.SocketBufferSize;
            if (receiveBuffer > 0)
            {
                SetReceiveBuffer(socket, receiveBuffer);
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
    /// SO_RCVBUF of <paramref name="bytes"/>. Linux caps it at net.core.rmem_max (212,992 by default) without a word;
    /// a process with CAP_NET_ADMIN (the server in a container as root, the benchmarks) then sets it anyway with
    /// SO_RCVBUFFORCE (socket(7); SOL_SOCKET 1, option 33), else it keeps the capped size. The buffer is what carries
    /// the datagrams that arrive while the receive loop is not running (a join storm's handshakes and signaling
    /// take the cores): what does not fit is dropped by the kernel, whichever room it belonged to.
    /// </summary>
    internal static void SetReceiveBuffer(Socket socket, int bytes)
    {
        socket.ReceiveBufferSize = bytes;
        // Linux reports twice what it set (its bookkeeping overhead, socket(7)): less means it was capped.
        if (!OperatingSystem.IsLinux() || socket.ReceiveBufferSize >= 2L * bytes)
        {
            return;
        }
        Span<byte> value = stackalloc byte[sizeof(int)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(value, bytes);
        try
        {
            socket.SetRawSocketOption(1, 33, value);
        }
        catch (SocketException)
        {
            // No CAP_NET_ADMIN: the capped size stays (raise net.core.rmem_max to give more).
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
