using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>
/// Receiver estimated maximum bitrate (draft-alvestrand-rmcat-remb-03 §2.2): PSFB FMT 15 (RFC 4585 §6.4
/// application layer feedback) with the "REMB" identifier, media SSRC 0, bitrate = mantissa · 2^exp bps.
/// </summary>
/// <remarks>
/// <code>
/// |  Unique identifier 'R' 'E' 'M' 'B'                            |
/// |  Num SSRC     | BR Exp    |  BR Mantissa                      |
/// |   SSRC feedback                                               |
/// </code>
/// </remarks>
public readonly ref struct ReceiverEstimatedMaxBitrate
{
    private const uint Identifier = 0x52454D42; // "REMB"
    private const int MantissaBits = 18;
    private readonly ReadOnlySpan<byte> _ssrcs;

    private ReceiverEstimatedMaxBitrate(uint senderSsrc, ulong bitrate, ReadOnlySpan<byte> ssrcs)
    {
        SenderSsrc = senderSsrc;
        Bitrate = bitrate;
        _ssrcs = ssrcs;
    }

    public uint SenderSsrc { get; }

    /// <summary>Bits per second (saturated at <see cref="ulong.MaxValue"/> for absurd exponents).</summary>
    public ulong Bitrate { get; }

    public int SsrcCount => _ssrcs.Length / 4;

    public uint GetSsrc(int index) => BinaryPrimitives.ReadUInt32BigEndian(_ssrcs[(4 * index)..]);

    public static bool TryParse(ReadOnlySpan<byte> packet, out ReceiverEstimatedMaxBitrate remb, out DropReason reason)
    {
        remb = default;
        if (!RtcpFeedback.TryParse(packet, RtcpPacketType.PayloadSpecificFeedback, (byte)PayloadSpecificFeedbackFormat.ApplicationLayer, out uint sender, out _, out ReadOnlySpan<byte> fci, out reason))
        {
            return false;
        }
        if (fci.Length < 8 || BinaryPrimitives.ReadUInt32BigEndian(fci) != Identifier)
        {
            reason = DropReason.RtcpUnknownType;
            return false;
        }
        uint word = BinaryPrimitives.ReadUInt32BigEndian(fci[4..]);
        int ssrcCount = (int)(word >> 24);
        int exponent = (int)(word >> MantissaBits) & 0x3F;
        ulong mantissa = word & ((1u << MantissaBits) - 1);
        if (fci.Length < 8 + (4 * ssrcCount))
        {
            reason = DropReason.RtcpBadLength;
            return false;
        }
        // NOTE: mantissa (18 bits) << exp (up to 63) can exceed 64 bits; saturate instead of wrapping.
        ulong bitrate = exponent > 64 - MantissaBits && mantissa >> (64 - exponent) != 0 ? ulong.MaxValue : mantissa << exponent;
        remb = new ReceiverEstimatedMaxBitrate(sender, bitrate, fci.Slice(8, 4 * ssrcCount));
        return true;
    }

    /// <summary>Splits <paramref name="bitrate"/> into the smallest exponent whose mantissa fits in 18 bits (rounding down).</summary>
    public static (int Exponent, uint Mantissa) Encode(ulong bitrate)
    {
        int exponent = 0;
        while (bitrate >> exponent >= 1u << MantissaBits)
        {
            exponent++;
        }
        return (exponent, (uint)(bitrate >> exponent));
    }

    /// <summary>Writes a REMB for up to 255 SSRCs; returns the length, 0 if it does not fit.</summary>
    public static int Write(Span<byte> destination, uint senderSsrc, ulong bitrate, ReadOnlySpan<uint> ssrcs)
    {
        int length = RtcpFeedback.HeaderLength + 8 + (4 * ssrcs.Length);
        if (ssrcs.Length > 255 || destination.Length < length)
        {
            return 0;
        }
        RtcpFeedback.WriteHeader(destination, RtcpPacketType.PayloadSpecificFeedback, (byte)PayloadSpecificFeedbackFormat.ApplicationLayer, length, senderSsrc, 0);
        (int exponent, uint mantissa) = Encode(bitrate);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Identifier);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], ((uint)ssrcs.Length << 24) | ((uint)exponent << MantissaBits) | mantissa);
        for (int i = 0; i < ssrcs.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(destination[(20 + (4 * i))..], ssrcs[i]);
        }
        return length;
    }
}
