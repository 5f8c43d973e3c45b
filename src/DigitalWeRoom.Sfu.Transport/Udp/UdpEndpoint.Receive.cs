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
            // Sends this datagram causes (STUN answers, forwarded media when sent inline) leave in one sendmmsg, and
            // the packets its inline sends evict from retransmission buffers are released once each (ReleaseBatch).
            using (Buffers.ReleaseBatch.Enter())
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
}
