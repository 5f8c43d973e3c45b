using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// The peer may send SRTP as soon as it has our DTLS Finished, a moment before our side has derived the keys. A few
/// such packets are held (Chromium's first video packets start a key frame) and unprotected, in order, before the
/// next packet once the keys are in. Receive thread; the lock only guards against a concurrent <see cref="Close"/>.
/// </summary>
/// <remarks>
/// A mutable struct held in a non-readonly field of its <see cref="WebRtcTransport"/> and never copied: every received
/// packet reads <see cref="Count"/>, and this way it is a field of the transport itself, not one pointer further.
/// </remarks>
internal struct EarlySrtpPackets
{
    public const int Capacity = 16;

    private readonly object _lock;
    private PooledPacket?[]? _held;
    private int _count;
    private bool _closed;

    public EarlySrtpPackets() => _lock = new object();

    /// <summary>Packets held now.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Holds a reference to <paramref name="packet"/>; false when full or closed.</summary>
    public bool TryHold(PooledPacket packet)
    {
        lock (_lock)
        {
            if (_closed || _count == Capacity)
            {
                return false;
            }
            _held ??= new PooledPacket?[Capacity];
            packet.AddRef();
            _held[_count] = packet;
            Volatile.Write(ref _count, _count + 1);
            return true;
        }
    }

    /// <summary>Moves the held packets, oldest first, into <paramref name="into"/> (the caller releases them); their count.</summary>
    public int TakeAll(Span<PooledPacket?> into)
    {
        lock (_lock)
        {
            int count = _count;
            for (int i = 0; i < count; i++)
            {
                into[i] = _held![i];
                _held[i] = null;
            }
            Volatile.Write(ref _count, 0);
            return count;
        }
    }

    /// <summary>The transport ends: what is held is released and nothing more is held.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            for (int i = 0; i < _count; i++)
            {
                _held![i]!.Release();
                _held[i] = null;
            }
            Volatile.Write(ref _count, 0);
        }
    }
}
