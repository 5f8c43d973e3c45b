namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>
/// Iterates the packets of a compound RTCP packet (RFC 3550 §6.1), checking each header and length as it goes
/// (RFC 3550 Appendix A.2). Total: a bad packet stops the iteration and sets <see cref="Error"/>.
/// </summary>
/// <remarks>
/// NOTE: the "first packet is SR or RR" rule of A.2 is not enforced, because RFC 5506 reduced-size RTCP
/// (used by browsers for feedback) sends lone feedback packets.
/// </remarks>
public ref struct RtcpCompoundReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public RtcpCompoundReader(ReadOnlySpan<byte> compound)
    {
        _buffer = compound;
        _position = 0;
        Error = compound.IsEmpty ? DropReason.Truncated : DropReason.None;
    }

    /// <summary>Why iteration stopped early; <see cref="DropReason.None"/> when every packet was valid.</summary>
    public DropReason Error { get; private set; }

    /// <summary>Returns the next packet (header included, padding included) or false at the end or on error.</summary>
    public bool TryReadNext(out RtcpHeader header, out ReadOnlySpan<byte> packet)
    {
        packet = default;
        header = default;
        if (Error != DropReason.None || _position >= _buffer.Length)
        {
            return false;
        }
        ReadOnlySpan<byte> rest = _buffer[_position..];
        if (!RtcpHeader.TryParse(rest, out header, out DropReason reason))
        {
            Error = reason;
            return false;
        }
        int length = header.PacketLength;
        if (header.Padding)
        {
            // RFC 3550 §6.4.1 / A.2: padding count at least 1 and inside this packet.
            int padding = rest[length - 1];
            if (padding == 0 || padding > length - RtcpHeader.Length)
            {
                Error = DropReason.RtcpBadLength;
                return false;
            }
        }
        packet = rest[..length];
        _position += length;
        return true;
    }

    /// <summary>Walks the whole compound packet; returns false with the reason if any packet is malformed.</summary>
    public static bool Validate(ReadOnlySpan<byte> compound, out DropReason reason)
    {
        var reader = new RtcpCompoundReader(compound);
        while (reader.TryReadNext(out _, out _))
        {
        }
        reason = reader.Error;
        return reason == DropReason.None;
    }
}
