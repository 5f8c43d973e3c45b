using DigitalWeRoom.Sfu.Transport.Buffers;
using Org.BouncyCastle.Tls;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>Where DTLS records go out (the transport's ICE-selected tuple).</summary>
internal interface IDatagramSender
{
    void SendDatagram(ReadOnlySpan<byte> datagram);
}

/// <summary>
/// Adapts the receive loop to BouncyCastle's blocking <see cref="DatagramTransport"/>. The loop
/// enqueues AddRef'd packets into a BOUNDED queue (full → drop <c>DtlsQueueFull</c>, DTLS retransmits);
/// BouncyCastle's thread blocks in <see cref="Receive(byte[], int, int, int)"/> on a semaphore with its
/// own timeout, so nothing polls. Sends go straight to the socket.
/// </summary>
internal sealed class DtlsDatagramBridge : DatagramTransport
{
    /// <summary>
    /// Chromium's ClientHello carries an ML-KEM key share (1413 bytes, two datagrams), so the receive
    /// limit must allow a full MTU-sized datagram.
    /// </summary>
    public const int DatagramLimit = PooledPacket.MaxDatagramSize;

    /// <summary>
    /// Our flights are fragmented to fit 1200 bytes, the size WebRTC stacks assume every path carries
    /// without IP fragmentation (Chromium fragments its own ClientHello at the same size).
    /// </summary>
    public const int SendLimit = 1200;

    private readonly ConcurrentQueue<PooledPacket> _queue = new();
    private readonly SemaphoreSlim _available = new(0);
    private readonly IDatagramSender _sender;
    private readonly int _capacity;
    private int _count;
    private volatile bool _closed;

    public DtlsDatagramBridge(IDatagramSender sender, int capacity = 64)
    {
        _sender = sender;
        _capacity = capacity;
    }

    /// <summary>Datagrams waiting for BouncyCastle.</summary>
    public int Count => Volatile.Read(ref _count);

    public bool IsClosed => _closed;

    /// <summary>Called on the receive loop: keeps a reference to <paramref name="packet"/> if queued.</summary>
    public bool TryEnqueue(PooledPacket packet)
    {
        if (_closed || Interlocked.Increment(ref _count) > _capacity)
        {
            if (!_closed)
            {
                Interlocked.Decrement(ref _count);
            }
            return false;
        }
        packet.AddRef();
        _queue.Enqueue(packet);
        _available.Release();
        return true;
    }

    public int GetReceiveLimit() => DatagramLimit;

    public int GetSendLimit() => SendLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        if (_closed)
        {
            throw new TlsTimeoutException("DTLS transport closed.");
        }
        if (!_available.Wait(waitMillis <= 0 ? Timeout.Infinite : waitMillis))
        {
            return -1;
        }
        if (!_queue.TryDequeue(out PooledPacket? packet))
        {
            // Close() released the semaphore to wake us.
            throw new TlsTimeoutException("DTLS transport closed.");
        }
        Interlocked.Decrement(ref _count);
        try
        {
            int n = Math.Min(packet.Length, buffer.Length);
            packet.Span[..n].CopyTo(buffer);
            return n;
        }
        finally
        {
            packet.Release();
        }
    }

    public void Send(byte[] buf, int off, int len) => Send(buf.AsSpan(off, len));

    public void Send(ReadOnlySpan<byte> buffer)
    {
        if (!_closed)
        {
            _sender.SendDatagram(buffer);
        }
    }

    /// <summary>Wakes a blocked receiver and releases queued packets. Idempotent.</summary>
    public void Close()
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        while (_queue.TryDequeue(out PooledPacket? packet))
        {
            Interlocked.Decrement(ref _count);
            packet.Release();
        }
        _available.Release();
    }
}
