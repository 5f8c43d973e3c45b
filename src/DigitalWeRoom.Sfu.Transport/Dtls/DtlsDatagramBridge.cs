using System.Diagnostics.CodeAnalysis;
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
/// BouncyCastle's thread blocks in <see cref="Receive(byte[], int, int, int)"/> with its own timeout, so nothing
/// polls. It blocks on a monitor, not a <see cref="SemaphoreSlim"/>: a semaphore spins with up to 130 sched_yield
/// calls before it sleeps, and a handshake waits a round trip per flight, so in a storm of joins hundreds of
/// handshake threads would burn CPU yielding (docs/benchmarks.md, "DTLS handshakes"). Sends go straight to the socket.
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
    private readonly object _gate = new();
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
        Wake();
        return true;
    }

    public int GetReceiveLimit() => DatagramLimit;

    public int GetSendLimit() => SendLimit;

    public int Receive(byte[] buf, int off, int len, int waitMillis) => Receive(buf.AsSpan(off, len), waitMillis);

    public int Receive(Span<byte> buffer, int waitMillis)
    {
        long deadline = waitMillis <= 0 ? long.MaxValue : Environment.TickCount64 + waitMillis;
        PooledPacket? packet;
        while (!TryTake(out packet))
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return -1;
            }
            lock (_gate)
            {
                // Checked again under the lock: a datagram or Close() that came after the check above pulsed before
                // this thread waited, so the pulse would be lost.
                if (_queue.IsEmpty && !_closed)
                {
                    Monitor.Wait(_gate, deadline == long.MaxValue ? Timeout.Infinite : (int)Math.Min(left, int.MaxValue));
                }
            }
        }
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

    /// <summary>The next queued datagram; throws once closed (BouncyCastle's way to end a blocked receive).</summary>
    private bool TryTake([NotNullWhen(true)] out PooledPacket? packet)
    {
        if (_closed)
        {
            throw new TlsTimeoutException("DTLS transport closed.");
        }
        if (!_queue.TryDequeue(out packet))
        {
            return false;
        }
        Interlocked.Decrement(ref _count);
        return true;
    }

    private void Wake()
    {
        lock (_gate)
        {
            Monitor.PulseAll(_gate);
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
        Wake();
    }
}
