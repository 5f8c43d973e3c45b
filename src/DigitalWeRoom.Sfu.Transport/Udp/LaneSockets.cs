namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>
/// Send sockets of the dedicated send threads (<see cref="EgressBatch.SendFromOwnSockets"/>): for each of a port's
/// sockets and each lane, a socket bound to the same local address and port in the same SO_REUSEPORT group, so a peer
/// sees the same 5-tuple whichever thread sent. Two cores writing one socket write its kernel state per datagram (the
/// send-buffer accounting that every sent and every freed datagram adjusts), and that cache line moves between the
/// cores per packet; a socket per lane keeps it on one core. Reception is unchanged: a lane socket joins only a group
/// that <see cref="ReusePortSteering"/> pins to its receive sockets (bound first, at the port's bind, so no lane
/// socket is ever chosen). Lane sockets are made when a lane first sends through a port socket (a one-time bind,
/// under a lock); a socket that cannot be made, or of a group that is not steered, leaves that lane on the port's socket.
/// </summary>
/// <param name="steered">The first socket of each steered group (<see cref="UdpSockets.TrySteer"/>).</param>
internal sealed class LaneSockets(UdpEndpointOptions options, HashSet<Socket> steered) : IDisposable
{
    private readonly object _gate = new();
    // Copy-on-write under _gate, read lock-free per flush: a handful of entries (port sockets × lanes).
    private Lane[] _lanes = [];
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
                if (IsSteered(original))
                {
                    socket = UdpSockets.Bind(options, local.Address, local.Port, reusePort: true);
                }
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

    /// <summary>Whether <paramref name="socket"/>'s group is steered: it is, or shares its address and port with, a steered first socket.</summary>
    private bool IsSteered(Socket socket)
    {
        if (steered.Contains(socket))
        {
            return true;
        }
        var local = (IPEndPoint)socket.LocalEndPoint!;
        return steered.Any(first => local.Equals(first.LocalEndPoint));
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
