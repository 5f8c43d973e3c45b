using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Protocols;

namespace DigitalWeRoom.Sfu.Media.Feedback;

/// <summary>
/// Walks the packets of a (possibly reduced-size, RFC 5506) RTCP compound packet: common header of RFC 3550 §6.4.1.
/// Total: stops at the first malformed packet and reports why in <see cref="Error"/>.
/// </summary>
internal ref struct RtcpCompoundIterator
{
    private ReadOnlySpan<byte> _rest;

    public RtcpCompoundIterator(ReadOnlySpan<byte> compound)
    {
        _rest = compound;
        Current = default;
        Error = DropReason.None;
    }

    /// <summary>The whole current packet (header included).</summary>
    public ReadOnlySpan<byte> Current { get; private set; }

    public readonly byte PacketType => Current[1];

    /// <summary>Report count, SDES chunk count, or feedback message type (FMT).</summary>
    public readonly int CountOrFormat => Current[0] & 0x1F;

    public DropReason Error { get; private set; }

    public bool MoveNext()
    {
        if (_rest.Length == 0)
        {
            return false;
        }
        if (_rest.Length < 4)
        {
            Error = DropReason.Truncated;
            return false;
        }
        if (_rest[0] >> 6 != 2)
        {
            Error = DropReason.RtcpBadVersion;
            return false;
        }
        int length = (BinaryPrimitives.ReadUInt16BigEndian(_rest[2..]) + 1) * 4;
        if (length > _rest.Length)
        {
            Error = DropReason.RtcpBadLength;
            return false;
        }
        Current = _rest[..length];
        _rest = _rest[length..];
        return true;
    }
}
