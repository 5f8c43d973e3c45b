using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Media.Streams;

namespace DigitalWeRoom.Sfu.Media.Feedback;

/// <summary>
/// Writes the RTCP packets the router originates: SR (RFC 3550 §6.4.1), RR (§6.4.2), SDES CNAME (§6.5),
/// PLI (RFC 4585 §6.3.1). Each returns bytes written, or 0 when <c>dest</c> is too small.
/// To be replaced by the Protocols/Rtcp writers (branch <c>rtp</c>) once merged.
/// </summary>
internal static class RtcpWriter
{
    public const byte PacketTypeSenderReport = 200;
    public const byte PacketTypeReceiverReport = 201;
    public const byte PacketTypeSourceDescription = 202;
    public const byte PacketTypeGoodbye = 203;
    public const byte PacketTypeTransportFeedback = 205;
    public const byte PacketTypePayloadFeedback = 206;
    public const int ReportBlockLength = 24;
    public const int PliLength = 12;

    public static int WriteSenderReport(Span<byte> dest, uint ssrc, ulong ntp, uint rtpTimestamp, uint packetCount, uint octetCount, ReadOnlySpan<ReceptionReportBlock> blocks)
    {
        int length = 28 + ReportBlockLength * blocks.Length;
        if (blocks.Length > 31 || dest.Length < length) return 0;
        WriteHeader(dest, blocks.Length, PacketTypeSenderReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(dest[4..], ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(dest[8..], ntp);
        BinaryPrimitives.WriteUInt32BigEndian(dest[16..], rtpTimestamp);
        BinaryPrimitives.WriteUInt32BigEndian(dest[20..], packetCount);
        BinaryPrimitives.WriteUInt32BigEndian(dest[24..], octetCount);
        WriteBlocks(dest[28..], blocks);
        return length;
    }

    public static int WriteReceiverReport(Span<byte> dest, uint ssrc, ReadOnlySpan<ReceptionReportBlock> blocks)
    {
        int length = 8 + ReportBlockLength * blocks.Length;
        if (blocks.Length > 31 || dest.Length < length) return 0;
        WriteHeader(dest, blocks.Length, PacketTypeReceiverReport, length);
        BinaryPrimitives.WriteUInt32BigEndian(dest[4..], ssrc);
        WriteBlocks(dest[8..], blocks);
        return length;
    }

    /// <summary>SDES with one chunk per SSRC, each carrying the same CNAME item (ASCII, at most 255 bytes).</summary>
    public static int WriteSourceDescription(Span<byte> dest, ReadOnlySpan<uint> ssrcs, ReadOnlySpan<byte> cname)
    {
        if (ssrcs.Length is 0 or > 31 || cname.Length > 255) return 0;
        // Chunk: SSRC, CNAME item (type 1, length, text), then at least one null octet, padded to 32 bits.
        int chunkLength = (4 + 2 + cname.Length + 1 + 3) & ~3;
        int length = 4 + chunkLength * ssrcs.Length;
        if (dest.Length < length) return 0;
        WriteHeader(dest, ssrcs.Length, PacketTypeSourceDescription, length);
        int offset = 4;
        foreach (uint ssrc in ssrcs)
        {
            var chunk = dest.Slice(offset, chunkLength);
            chunk.Clear();
            BinaryPrimitives.WriteUInt32BigEndian(chunk, ssrc);
            chunk[4] = 1; // CNAME
            chunk[5] = (byte)cname.Length;
            cname.CopyTo(chunk[6..]);
            offset += chunkLength;
        }
        return length;
    }

    public static int WritePictureLossIndication(Span<byte> dest, uint senderSsrc, uint mediaSsrc)
    {
        if (dest.Length < PliLength) return 0;
        WriteHeader(dest, 1, PacketTypePayloadFeedback, PliLength);
        BinaryPrimitives.WriteUInt32BigEndian(dest[4..], senderSsrc);
        BinaryPrimitives.WriteUInt32BigEndian(dest[8..], mediaSsrc);
        return PliLength;
    }

    // §6.4.1 common header: V=2, P=0, count/FMT (5 bits), PT, length in 32-bit words minus one.
    private static void WriteHeader(Span<byte> dest, int countOrFormat, byte packetType, int lengthBytes)
    {
        dest[0] = (byte)(0x80 | (countOrFormat & 0x1F));
        dest[1] = packetType;
        BinaryPrimitives.WriteUInt16BigEndian(dest[2..], (ushort)(lengthBytes / 4 - 1));
    }

    private static void WriteBlocks(Span<byte> dest, ReadOnlySpan<ReceptionReportBlock> blocks)
    {
        for (int i = 0; i < blocks.Length; i++)
        {
            var b = blocks[i];
            var d = dest.Slice(i * ReportBlockLength, ReportBlockLength);
            BinaryPrimitives.WriteUInt32BigEndian(d, b.Ssrc);
            BinaryPrimitives.WriteUInt32BigEndian(d[4..], ((uint)b.FractionLost << 24) | ((uint)b.CumulativeLost & 0x00FFFFFF));
            BinaryPrimitives.WriteUInt32BigEndian(d[8..], b.ExtendedHighestSequence);
            BinaryPrimitives.WriteUInt32BigEndian(d[12..], b.Jitter);
            BinaryPrimitives.WriteUInt32BigEndian(d[16..], b.LastSenderReport);
            BinaryPrimitives.WriteUInt32BigEndian(d[20..], b.DelaySinceLastSenderReport);
        }
    }
}
