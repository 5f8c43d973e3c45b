using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>Checks order and single ownership of one subscriber's sends, without allocating.</summary>
internal sealed class OrderCheckingSender : IRtpPacketSender
{
    private int _inside;
    public long Packets;
    public long OutOfOrder;

    /// <summary>Packets not newer than the one before (RFC 3550 sequence arithmetic): a gap is not one, a reorder is.</summary>
    public long Backwards;
    public long Concurrent;
    public ushort LastSeq;
    public int LastThread;

    public bool TrySendRtp(Span<byte> buffer, int length)
    {
        if (Interlocked.Exchange(ref _inside, 1) != 0) Interlocked.Increment(ref Concurrent);
        ushort seq = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (Packets > 0 && seq != (ushort)(LastSeq + 1)) OutOfOrder++;
        if (Packets > 0 && (short)(seq - LastSeq) <= 0) Backwards++;
        LastSeq = seq;
        LastThread = Environment.CurrentManagedThreadId;
        Packets++;
        Volatile.Write(ref _inside, 0);
        return true;
    }

    public bool TrySendRtcp(Span<byte> buffer, int length) => true;
}
