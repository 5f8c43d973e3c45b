using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// Send sockets of the dedicated send threads (<see cref="EgressBatch.SendFromOwnSockets"/>): for each of a port's
/// sockets and each lane, a socket bound to the same local address and port in the same SO_REUSEPORT group, so a peer
/// sees the same 5-tuple whichever thread sent. Two cores writing one socket write its kernel state per datagram (the
/// send-buffer accounting that every sent and every freed datagram adjusts), and that cache line moves between the
/// cores per packet; a socket per lane keeps it on one core. Reception is unchanged: before the first lane socket
/// joins a group, the group gets a classic-BPF program (SO_ATTACH_REUSEPORT_CBPF) that selects index 0, the port's
/// own receive socket, for every datagram. Lane sockets are made when a lane first sends through a port socket
/// (a one-time bind, under a lock); a socket that cannot be made leaves that lane on the port's socket.
/// </summary>
internal sealed class LaneSockets(UdpEndpointOptions options) : IDisposable
{
    private readonly object _gate = new();
    // Copy-on-write under _gate, read lock-free per flush: a handful of entries (port sockets × lanes).
    private Lane[] _lanes = [];
    private readonly HashSet<Socket> _steered = [];
    private bool _disposed;

    /// <summary>Lane sockets bound so far (a lane left on the port's socket is not counted).</summary>
    public int Count => Volatile.Read(ref _lanes).Count(l => l.Socket != l.Original);

    /// <summary>The lane sockets bound so far (tests).</summary>
    public IReadOnlyList<Socket> Sockets => [.. Volatile.Read(ref _lanes).Where(l => l.Socket != l.Original).Select(l => l.Socket)];

    /// <summary>The socket lane <paramref name="lane"/> sends through in place of the port's <paramref name="original"/>.</summary>
    public Socket For(Socket original, int lane)
    {
        foreach (Lane entry in Volatile.Read(ref _lanes))
        {
            if (entry.Number == lane && ReferenceEquals(entry.Original, original))
            {
                return entry.Socket;
            }
        }
        return Add(original, lane);
    }

    private Socket Add(Socket original, int lane)
    {
        lock (_gate)
        {
            foreach (Lane entry in _lanes)
            {
                if (entry.Number == lane && ReferenceEquals(entry.Original, original))
                {
                    return entry.Socket;
                }
            }
            if (_disposed)
            {
                return original;
            }
            Socket socket = original;
            try
            {
                var local = (IPEndPoint)original.LocalEndPoint!;
                if (_steered.Add(original))
                {
                    // First, while the port's socket is the group's only member: nothing can land on a lane socket.
                    SteerToFirst(original);
                }
                socket = UdpSockets.Bind(options, local.Address, local.Port, reusePort: true);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Not bindable (the port's socket was bound without SO_REUSEPORT, or closed): the lane shares the port's.
                socket = original;
            }
            _lanes = [.. _lanes, new Lane(original, lane, socket)];
            return socket;
        }
    }

    /// <summary>
    /// Attaches to <paramref name="socket"/>'s SO_REUSEPORT group (Linux: SOL_SOCKET 1, SO_ATTACH_REUSEPORT_CBPF 51) the
    /// one-instruction classic-BPF program <c>ret #0</c>: every datagram goes to the group's first socket, the one
    /// bound first (the receive socket; lane sockets join after it and are never chosen).
    /// </summary>
    private static unsafe void SteerToFirst(Socket socket)
    {
        // struct sock_filter { u16 code; u8 jt; u8 jf; u32 k; }: BPF_RET | BPF_K (0x06), k = 0.
        ulong instruction = 0x06;
        // struct sock_fprog { unsigned short len; struct sock_filter *filter; } (64-bit: pointer at offset 8).
        Span<byte> program = stackalloc byte[16];
        program.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(program, 1);
        BinaryPrimitives.WriteInt64LittleEndian(program[8..], (long)&instruction);
        socket.SetRawSocketOption(1, 51, program);
    }

    /// <summary>Closes the lane sockets (before the port's own, so no lane socket is ever the group's only member).</summary>
    public void Dispose()
    {
        Lane[] lanes;
        lock (_gate)
        {
            _disposed = true;
            lanes = _lanes;
        }
        foreach (Lane entry in lanes)
        {
            if (entry.Socket != entry.Original)
            {
                entry.Socket.Dispose();
            }
        }
    }

    private sealed record Lane(Socket Original, int Number, Socket Socket);
}
