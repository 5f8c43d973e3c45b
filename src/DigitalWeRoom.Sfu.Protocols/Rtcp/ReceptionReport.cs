using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>
/// One report block of an SR or RR (RFC 3550 §6.4.1): loss, extended highest sequence number, jitter, LSR, DLSR.
/// </summary>
/// <param name="CumulativeLost">Signed 24-bit cumulative number of packets lost.</param>
/// <param name="DelaySinceLastSr">DLSR in units of 1/65536 s.</param>
public readonly record struct ReceptionReport(uint Ssrc, byte FractionLost, int CumulativeLost, uint ExtendedHighestSequenceNumber, uint Jitter, uint LastSr, uint DelaySinceLastSr)
{
    public const int Length = 24;

    /// <summary>Reads a block; <paramref name="block"/> must hold at least <see cref="Length"/> bytes.</summary>
    public static ReceptionReport Read(ReadOnlySpan<byte> block)
    {
        uint lossWord = BinaryPrimitives.ReadUInt32BigEndian(block[4..]);
        // RFC 3550 §6.4.1: cumulative number lost is a signed 24-bit integer.
        int cumulative = (int)(lossWord << 8) >> 8;
        return new ReceptionReport(
            BinaryPrimitives.ReadUInt32BigEndian(block),
            (byte)(lossWord >> 24),
            cumulative,
            BinaryPrimitives.ReadUInt32BigEndian(block[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(block[12..]),
            BinaryPrimitives.ReadUInt32BigEndian(block[16..]),
            BinaryPrimitives.ReadUInt32BigEndian(block[20..]));
    }

    /// <summary>Writes the block (cumulative lost clamped to the signed 24-bit range); returns <see cref="Length"/>.</summary>
    public int Write(Span<byte> destination)
    {
        int cumulative = Math.Clamp(CumulativeLost, -0x80_0000, 0x7F_FFFF);
        BinaryPrimitives.WriteUInt32BigEndian(destination, Ssrc);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], ((uint)FractionLost << 24) | ((uint)cumulative & 0xFF_FFFF));
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], ExtendedHighestSequenceNumber);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Jitter);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], LastSr);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], DelaySinceLastSr);
        return Length;
    }
}
