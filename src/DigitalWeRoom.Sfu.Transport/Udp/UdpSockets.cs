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

    /// <summary>Attempts at a free port for a shared group on port 0 before giving up.</summary>
    internal const int PortAttempts = 8;

    /// <summary>
    /// The port's <paramref name="count"/> sockets on <paramref name="bind"/>:<paramref name="port"/>, in one SO_REUSEPORT
    /// group when <paramref name="shared"/>. SO_REUSEPORT would let the group join a port that another socket of the same
    /// user holds (a second server; with port 0, any process's ephemeral group), silently splitting its datagrams, so a
    /// shared port is first bound exclusively (<paramref name="probe"/>) to find a free one, then bound shared and the
    /// holders counted (<see cref="PortHolders"/>). Between the probe's close and the shared bind another socket may take
    /// the port: with port 0 that attempt is closed and a fresh port tried (up to <see cref="PortAttempts"/>); a fixed
    /// port that is not ours alone fails with AddressAlreadyInUse.
    /// </summary>
    public static Socket[] BindPort(UdpEndpointOptions options, IPAddress bind, int port, int count, bool shared, bool probe)
    {
        for (int attempt = 1; ; attempt++)
        {
            int chosen = port;
            if (probe)
            {
                using Socket exclusive = Bind(options, bind, port, reusePort: false);
                chosen = ((IPEndPoint)exclusive.LocalEndPoint!).Port;
            }
            options.AfterPortProbe?.Invoke(chosen);
            var sockets = new Socket[count];
            try
            {
                for (int i = 0; i < count; i++)
                {
                    sockets[i] = Bind(options, bind, chosen, reusePort: shared);
                    chosen = ((IPEndPoint)sockets[0].LocalEndPoint!).Port;
                }
                if (!shared || PortHolders.Count(bind, chosen) is not int holders || holders <= count)
                {
                    return sockets;
                }
                throw new SocketException((int)SocketError.AddressAlreadyInUse);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse && port == 0 && attempt < PortAttempts)
            {
                foreach (Socket socket in sockets) socket?.Dispose();
            }
            catch
            {
                foreach (Socket socket in sockets) socket?.Dispose();
                throw;
            }
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
    /// Attaches <see cref="ReusePortSteering"/> to the group of <paramref name="first"/> (its first of
    /// <paramref name="count"/> receive sockets) and adds it to <paramref name="steered"/>; false where the kernel
    /// refuses the program (then it hashes over the whole group).
    /// </summary>
    public static bool TrySteer(Socket first, int count, HashSet<Socket> steered)
    {
        try
        {
            ReusePortSteering.Attach(first, count);
            steered.Add(first);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// <see cref="UdpEndpointOptions.BindEachAddress"/>: <paramref name="wildcard"/> (each read as
    /// <paramref name="port"/> itself), then <paramref name="count"/> sockets per local address on the same port, each
    /// read as its <see cref="UdpAddressSocket"/>. An address that cannot be bound is left to the wildcard socket and
    /// counted in <c>Failed</c>. With <paramref name="steered"/>, each address's group is steered (<see cref="TrySteer"/>).
    /// </summary>
    public static (Socket[] Sockets, IIceSocket[] Via, int Failed) BindEachAddress(
        UdpEndpoint port, Socket[] wildcard, UdpEndpointOptions options, int count, HashSet<Socket>? steered)
    {
        List<Socket> sockets = [.. wildcard];
        List<IIceSocket> via = [.. wildcard.Select(_ => (IIceSocket)port)];
        int failed = 0;
        foreach (IPAddress address in UdpAddressSocket.LocalAddresses(options.BindAddress))
        {
            int bound = 0;
            for (int i = 0; i < count; i++)
            {
                try
                {
                    var socket = Bind(options, address, port.LocalEndPoint.Port, reusePort: true);
                    sockets.Add(socket);
                    via.Add(new UdpAddressSocket(port, socket));
                    bound++;
                }
                catch (SocketException)
                {
                    failed++;
                    break;
                }
            }
            if (steered is not null && bound > 0)
            {
                TrySteer(sockets[^bound], bound, steered);
            }
        }
        return ([.. sockets], [.. via], failed);
    }
}
