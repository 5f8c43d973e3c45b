using System.Diagnostics.CodeAnalysis;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Ice;

namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>The receive side of <see cref="UdpEndpoint"/>: each receive socket's loop and what it does with one datagram.</summary>
public sealed partial class UdpEndpoint
{
    // The receive loop the calling thread runs (SendBatch: a loop sends through its own socket of the port).
    [ThreadStatic]
    private static UdpEndpoint? t_loopOf;

    [ThreadStatic]
    private static int t_loopIndex;

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
            int received = Receive(index, packet, remote, out Socket socket);
            if (received < 0)
            {
                if (received == ReceiveStopped) break;
                continue;
            }
            // One "datagram" of the load meter per batch: what the loop sent inline waits in the batch until its
            // end, and senders of other threads must see the loop's mark that long (ReceiveLoopLoad.IsInProgress).
            load.Begin();
            // Sends these datagrams cause (STUN answers, forwarded media when sent inline) leave in one sendmmsg.
            using (EgressBatch.Enter())
            {
                int read = 0;
                while (true)
                {
                    if (Diagnostics.PathTrace.Enabled) Diagnostics.PathTrace.OnReceived(socket);
                    _datagrams.Add(Received, 1);
                    packet.Length = received;
                    try
                    {
                        ProcessDatagram(packet, remote, _receivedVia[index]);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        // NOTE: a listener bug must not stop the port for everyone; counted as malformed input.
                        Drops.Increment(DropReason.Malformed);
                    }
                    packet = Recycle(packet);
                    if (!ReceiveCoalescing.WorthAsking(++read, EgressBatch.Current?.Count ?? 0) || QueuedBytes(socket) == 0)
                    {
                        break;
                    }
                    packet ??= Pool.Rent();
                    received = Receive(index, packet, remote, out socket);
                    if (received < 0)
                    {
                        break;
                    }
                }
            }
            // The batch's sendmmsg included: it is the loop's work too.
            load.End();
        }
        packet?.Release();
    }

    // Receive's answers other than a datagram's length: try again, or the port is closing.
    private const int ReceiveAgain = -1;
    private const int ReceiveStopped = -2;

    /// <summary>Blocks for the next datagram on receive socket <paramref name="index"/>: its length, or <see cref="ReceiveAgain"/> / <see cref="ReceiveStopped"/>.</summary>
    private int Receive(int index, PooledPacket packet, SocketAddress remote, out Socket socket)
    {
        socket = Volatile.Read(ref _sockets[index]);
        try
        {
            return socket.ReceiveFrom(packet.Buffer.AsSpan(), SocketFlags.None, remote);
        }
        catch (Exception) when (!_disposed && socket != Volatile.Read(ref _sockets[index]))
        {
            // MoveTo replaced the socket: receive on the new one.
            return ReceiveAgain;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.MessageSize)
        {
            Drops.Increment(DropReason.TooLarge);
            return ReceiveAgain;
        }
        catch (SocketException) when (!_disposed)
        {
            // ICMP errors surface as ConnectionReset/Refused on UDP sockets; keep receiving.
            return ReceiveAgain;
        }
        catch (Exception) when (_disposed)
        {
            return ReceiveStopped;
        }
        catch (ObjectDisposedException)
        {
            return ReceiveStopped;
        }
    }

    /// <summary>The packet to receive into next: the same one if nobody kept it, else null (released: the keepers hold it).</summary>
    private static PooledPacket? Recycle(PooledPacket packet)
    {
        if (packet.References == 1)
        {
            packet.Length = 0;
            return packet;
        }
        packet.Release();
        return null;
    }

    /// <summary>The size of the datagram <paramref name="socket"/> holds (FIONREAD; 0: none, or coalescing or batching is off, or the socket is gone).</summary>
    private int QueuedBytes(Socket socket)
    {
        if (!ReceiveCoalescing.Enabled || !EgressBatch.IsSupported || _disposed)
        {
            return 0;
        }
        try
        {
            return socket.Available;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return 0;
        }
    }
}
