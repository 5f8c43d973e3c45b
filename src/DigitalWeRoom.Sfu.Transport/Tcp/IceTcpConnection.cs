using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tcp;

/// <summary>
/// One accepted ICE-TCP connection (RFC 6544 §3, passive side). Until a STUN check with valid MESSAGE-INTEGRITY
/// arrives, only STUN is read; anything else (or an oversize frame) closes it. Once ICE has validated its tuple it
/// carries that transport's STUN, DTLS and SRTP like a UDP tuple, through the same <see cref="TransportDirectory"/>.
/// Frames are RFC 4571 §2; each is copied into a pooled packet (the transport may keep it).
/// </summary>
internal sealed class IceTcpConnection : IIceSocket
{
    private readonly IceTcpEndpoint _endpoint;
    private readonly Socket _socket;
    private readonly SocketAddress _remote;
    private readonly TransportTuple _tuple;
    private readonly Rfc4571FrameReader _reader;
    private readonly TcpFrameWriter _writer;
    private int _closed;
    private long _lastReceived;
    private volatile bool _validated;

    public IceTcpConnection(IceTcpEndpoint endpoint, Socket socket, IPEndPoint remote, IPAddress remoteKey)
    {
        _endpoint = endpoint;
        _socket = socket;
        RemoteKey = remoteKey;
        _remote = remote.Serialize();
        _tuple = TransportTuple.From(remote) with { IsTcp = true };
        IceTcpEndpointOptions options = endpoint.Options;
        _reader = new Rfc4571FrameReader(options.MaxFrame, options.ReceiveBufferSize);
        _writer = new TcpFrameWriter(socket, options.MaxSendQueueBytes) { Failed = () => Close(TcpCloseReason.SendFailed) };
        AcceptedAt = endpoint.Time.GetTimestamp();
        _lastReceived = AcceptedAt;
    }

    /// <summary>The remote address the per-address cap counts (IPv4-mapped addresses as IPv4).</summary>
    public IPAddress RemoteKey { get; }

    public TransportTuple Tuple => _tuple;

    /// <summary>Whether a STUN check with valid integrity bound this connection to a transport.</summary>
    public bool IsValidated => _validated;

    public long AcceptedAt { get; }

    public long LastReceived => Interlocked.Read(ref _lastReceived);

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public TcpFrameWriter Writer => _writer;

    public DropCounters Drops => _endpoint.Drops;

    /// <summary>ICE-TCP has one peer per connection: <paramref name="remote"/> is its address already.</summary>
    public bool Send(ReadOnlySpan<byte> packet, SocketAddress remote) => _writer.TryWrite(packet);

    /// <summary>Reads until the peer closes or the connection is closed.</summary>
    public async Task RunAsync()
    {
        TcpCloseReason reason = TcpCloseReason.PeerClosed;
        try
        {
            while (!IsClosed)
            {
                int received = await _socket.ReceiveAsync(_reader.Writable, SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    break;
                }
                _reader.Advance(received);
                Interlocked.Exchange(ref _lastReceived, _endpoint.Time.GetTimestamp());
                if (!ProcessFrames(out reason))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset by the peer, or closed by us (the reason was counted then).
        }
        Close(reason);
    }

    /// <summary>Every whole frame received; false (with the reason) when the connection must close.</summary>
    internal bool ProcessFrames(out TcpCloseReason reason)
    {
        reason = TcpCloseReason.PeerClosed;
        // Answers and forwarded media this input causes leave together.
        using EgressBatch.Scope batch = EgressBatch.Enter();
        while (true)
        {
            switch (_reader.TryRead(out ReadOnlySpan<byte> frame))
            {
                case FrameStatus.NeedMore:
                    return true;
                case FrameStatus.Empty:
                    continue;
                case FrameStatus.Oversize:
                    Drops.Increment(DropReason.TooLarge);
                    if (!_validated)
                    {
                        reason = TcpCloseReason.Oversize;
                        return false;
                    }
                    continue;
            }
            _endpoint.CountFrame();
            PooledPacket packet = _endpoint.Directory.Pool.Rent();
            try
            {
                frame.CopyTo(packet.Buffer);
                packet.Length = frame.Length;
                if (!Process(packet, out reason))
                {
                    return false;
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // NOTE: a listener bug must not take the connection's peer down; counted as malformed input.
                Drops.Increment(DropReason.Malformed);
            }
            finally
            {
                packet.Release();
            }
        }
    }

    private bool Process(PooledPacket packet, out TcpCloseReason reason)
    {
        reason = TcpCloseReason.PeerClosed;
        TransportDirectory directory = _endpoint.Directory;
        PacketKind kind = PacketClassifier.Classify(packet.Span);
        if (kind == PacketKind.Stun)
        {
            directory.Ice.OnStun(packet.Span, _remote, this, tcp: true);
            if (!_validated && directory.TryGetTransportByTuple(_tuple, out _))
            {
                _validated = true;
                _endpoint.OnValidated(this);
            }
            return true;
        }
        if (!_validated)
        {
            // RFC 6544 §3: the connection carries nothing but STUN until ICE has checked it.
            Drops.Increment(DropReason.UnvalidatedAddress);
            reason = TcpCloseReason.Garbage;
            return false;
        }
        if (!directory.LookupValidated(_tuple, Drops, out WebRtcTransport? owner))
        {
            reason = TcpCloseReason.TransportGone;
            return false;
        }
        switch (kind)
        {
            case PacketKind.Dtls:
                owner.OnDtlsDatagram(packet, _tuple, Drops);
                break;
            case PacketKind.Rtp:
                owner.OnSrtpDatagram(packet);
                break;
            default:
                Drops.Increment(DropReason.UnknownProtocol);
                break;
        }
        return true;
    }

    /// <summary>Closes the socket (once) and counts the reason.</summary>
    public void Close(TcpCloseReason reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        _writer.Close();
        if (_validated && _endpoint.Directory.TryGetTransportByTuple(_tuple, out WebRtcTransport? owner))
        {
            // The tuple cannot carry anything any more; ICE moves to another pair or consent expires.
            _endpoint.Directory.UnregisterTuple(_tuple, owner);
        }
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset.
        }
        _socket.Dispose();
        _endpoint.OnClosed(this, reason);
    }
}
