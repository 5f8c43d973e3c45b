using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tcp;

/// <summary>
/// The send half of one ICE-TCP connection: packets are framed per RFC 4571 §2 into one bounded buffer and sent with
/// a non-blocking <c>send</c> on the caller's thread. Inside an <see cref="EgressBatch"/> scope (a receive loop around
/// one packet, a subscriber's send loop around one drain) the frames wait for the scope's end and leave in one
/// <c>send</c>, as UDP datagrams leave in one <c>sendmmsg</c>. What the kernel does not take at once is sent by one
/// asynchronous drain while later frames queue behind it; when the buffer is full, whole frames are dropped (counted),
/// never parts of one. Nothing is allocated per packet: the buffer grows by doubling up to its bound and stays.
/// </summary>
internal sealed class TcpFrameWriter : IEgressFlush
{
    private const int InitialCapacity = 4096;

    private readonly Socket _socket;
    private readonly int _maxBuffered;
    private readonly Lock _lock = new();
    private byte[] _buffer = [];
    private int _length;
    private bool _deferred;
    private bool _draining;
    private bool _closed;
    private long _framesSent;
    private long _framesDropped;
    private long _sendCalls;
    private long _drains;

    /// <param name="socket">A connected stream socket in non-blocking mode.</param>
    /// <param name="maxBuffered">Most bytes queued behind the kernel's send buffer.</param>
    public TcpFrameWriter(Socket socket, int maxBuffered)
    {
        _socket = socket;
        _maxBuffered = maxBuffered;
    }

    /// <summary>Frames queued for sending (all of them reached the kernel or are still queued).</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Frames dropped because the queue was full or the connection closed.</summary>
    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    /// <summary><c>send</c> system calls made (fewer than frames when frames were batched).</summary>
    public long SendCalls => Interlocked.Read(ref _sendCalls);

    /// <summary>Times the kernel did not take everything at once and the asynchronous drain ran.</summary>
    public long Drains => Interlocked.Read(ref _drains);

    /// <summary>Bytes waiting to be sent.</summary>
    public int Buffered
    {
        get
        {
            lock (_lock)
            {
                return _length;
            }
        }
    }

    /// <summary>Raised (once) when the socket failed while sending; the owner closes the connection.</summary>
    public Action? Failed { get; set; }

    /// <summary>Frames <paramref name="packet"/> and queues it; false (counted) if it does not fit.</summary>
    public bool TryWrite(ReadOnlySpan<byte> packet)
    {
        int frameLength = Rfc4571FrameReader.HeaderLength + packet.Length;
        EgressBatch? batch = EgressBatch.Current;
        lock (_lock)
        {
            if (_closed || packet.Length > ushort.MaxValue || !EnsureRoom(frameLength))
            {
                Interlocked.Increment(ref _framesDropped);
                return false;
            }
            Span<byte> frame = _buffer.AsSpan(_length, frameLength);
            Rfc4571FrameReader.WriteHeader(frame, packet.Length);
            packet.CopyTo(frame[Rfc4571FrameReader.HeaderLength..]);
            _length += frameLength;
            Interlocked.Increment(ref _framesSent);
            if (_draining || _deferred)
            {
                // The drain or the scope's end sends it.
                return true;
            }
            if (batch is not null && batch.TryDefer(this))
            {
                _deferred = true;
                return true;
            }
        }
        Flush();
        return true;
    }

    /// <summary>Sends what is queued: one non-blocking <c>send</c>; the rest goes through the asynchronous drain.</summary>
    public void Flush()
    {
        bool failed = false;
        lock (_lock)
        {
            _deferred = false;
            if (_draining || _closed || _length == 0)
            {
                return;
            }
            Interlocked.Increment(ref _sendCalls);
            int sent = _socket.Send(_buffer.AsSpan(0, _length), SocketFlags.None, out SocketError error);
            if (error is SocketError.Success or SocketError.WouldBlock)
            {
                Consume(Math.Max(0, sent));
                if (_length > 0)
                {
                    _draining = true;
                    Interlocked.Increment(ref _drains);
                    _ = DrainAsync();
                }
            }
            else
            {
                failed = Fail();
            }
        }
        if (failed)
        {
            Failed?.Invoke();
        }
    }

    /// <summary>Stops sending; queued frames are discarded.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            _length = 0;
        }
    }

    private async Task DrainAsync()
    {
        try
        {
            while (true)
            {
                ReadOnlyMemory<byte> pending;
                lock (_lock)
                {
                    if (_closed || _length == 0)
                    {
                        _draining = false;
                        return;
                    }
                    pending = _buffer.AsMemory(0, _length);
                }
                Interlocked.Increment(ref _sendCalls);
                // Only appends happen meanwhile (at or after _length), and a grown buffer starts with the same bytes.
                int sent = await _socket.SendAsync(pending, SocketFlags.None).ConfigureAwait(false);
                lock (_lock)
                {
                    Consume(sent);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            bool failed;
            lock (_lock)
            {
                _draining = false;
                failed = Fail();
            }
            if (failed)
            {
                Failed?.Invoke();
            }
        }
    }

    private bool EnsureRoom(int frameLength)
    {
        int needed = _length + frameLength;
        if (needed <= _buffer.Length)
        {
            return true;
        }
        if (needed > _maxBuffered)
        {
            return false;
        }
        int capacity = Math.Max(InitialCapacity, _buffer.Length);
        while (capacity < needed)
        {
            capacity *= 2;
        }
        byte[] grown = new byte[Math.Min(capacity, _maxBuffered)];
        _buffer.AsSpan(0, _length).CopyTo(grown);
        _buffer = grown;
        return true;
    }

    private void Consume(int sent)
    {
        int rest = _length - sent;
        if (rest > 0 && sent > 0)
        {
            _buffer.AsSpan(sent, rest).CopyTo(_buffer);
        }
        _length = rest;
    }

    private bool Fail()
    {
        if (_closed)
        {
            return false;
        }
        _closed = true;
        _length = 0;
        return true;
    }
}
