namespace DigitalWeRoom.Sfu.Protocols.Codecs;

/// <summary>
/// Key frame detection in AV1 RTP payloads (AV1 RTP specification §4.4 aggregation header, §4.5 OBU elements; AV1
/// bitstream specification §5.3 OBU header, §5.5 sequence header, §5.9 uncompressed frame header).
/// </summary>
/// <remarks>
/// <code>
///  0 1 2 3 4 5 6 7
/// +-+-+-+-+-+-+-+-+
/// |Z|Y| W |N|-|-|-|   aggregation header; then OBU elements, each (W = 0, or all but the W-th) preceded by
/// +-+-+-+-+-+-+-+-+   its length as LEB128 (§4.10.5 of the bitstream specification, at most 8 octets)
/// OBU header: |F| type (4) |X|S|R|  then one extension octet when X = 1, a LEB128 size when S = 1.
/// </code>
/// A packet starts a key frame when N = 1 (first packet of a coded video sequence), or when its first OBU element
/// starts a sequence header (type 1) and the next element starts a frame or frame header (types 6, 3) whose
/// <c>show_existing_frame</c> is 0 and <c>frame_type</c> is KEY_FRAME (every frame of a reduced still picture
/// header is one). A sequence header followed by a delta frame is not a key frame: encoders may repeat it.
/// Total: every length is checked against the payload; never throws.
/// </remarks>
public static class Av1KeyFrame
{
    public const byte SequenceHeaderObu = 1;
    public const byte FrameHeaderObu = 3;
    public const byte FrameObu = 6;

    /// <summary>Longest LEB128 value the bitstream allows (§4.10.5: 8 octets, value below 2^32).</summary>
    private const int MaxLeb128Bytes = 8;

    /// <summary>Validates the aggregation header and the OBU element lengths; reports whether a key frame starts here.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out bool isKeyFrame, out DropReason reason)
    {
        isKeyFrame = false;
        if (!Av1AggregationHeader.TryParse(payload, out var header, out reason)) return false;
        // A new coded video sequence starts at an OBU boundary.
        if (header.NewCodedVideoSequence && header.ContinuesPreviousObu)
        {
            reason = DropReason.Malformed;
            return false;
        }
        ReadOnlySpan<byte> first = default, second = default;
        int position = 1, count = 0, w = header.ObuElementCount;
        while (position < payload.Length)
        {
            int length;
            if (w == 0 || count < w - 1)
            {
                if (!TryReadLeb128(payload[position..], out uint value, out int used, out reason)) return false;
                position += used;
                if (value == 0 || value > (uint)(payload.Length - position))
                {
                    reason = value == 0 ? DropReason.Malformed : DropReason.Truncated;
                    return false;
                }
                length = (int)value;
            }
            else
            {
                length = payload.Length - position; // The W-th element takes the rest of the packet.
            }
            var element = payload.Slice(position, length);
            if (count == 0) first = element;
            else if (count == 1) second = element;
            count++;
            position += length;
            if (w != 0 && count == w) break;
        }
        if (count == 0 || (w != 0 && count < w) || position != payload.Length)
        {
            reason = count == 0 || (w != 0 && count < w) ? DropReason.Truncated : DropReason.Malformed;
            return false;
        }
        isKeyFrame = header.NewCodedVideoSequence || (!header.ContinuesPreviousObu && StartsKeyFrame(first, second));
        reason = DropReason.None;
        return true;
    }

    /// <summary>First element a whole-or-starting sequence header, second the start of a key frame's frame header.</summary>
    private static bool StartsKeyFrame(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (!TryReadObuHeader(first, out byte type, out var sequenceHeader) || type != SequenceHeaderObu || sequenceHeader.IsEmpty)
        {
            return false;
        }
        // §5.5.1: seq_profile (3) still_picture (1) reduced_still_picture_header (1): then every frame is a key frame.
        if ((sequenceHeader[0] & 0x08) != 0) return true;
        if (!TryReadObuHeader(second, out type, out var frameHeader) || (type != FrameObu && type != FrameHeaderObu) || frameHeader.IsEmpty)
        {
            return false;
        }
        // §5.9.2: show_existing_frame (1), then frame_type (2); KEY_FRAME = 0.
        byte b = frameHeader[0];
        return (b & 0x80) == 0 && ((b >> 5) & 0x3) == 0;
    }

    /// <summary>§5.3.1 OBU header (+ extension, + optional size field); <paramref name="body"/> is what follows, cut to the size field when present.</summary>
    private static bool TryReadObuHeader(ReadOnlySpan<byte> obu, out byte type, out ReadOnlySpan<byte> body)
    {
        type = 0;
        body = default;
        if (obu.IsEmpty || (obu[0] & 0x80) != 0) return false; // obu_forbidden_bit
        type = (byte)((obu[0] >> 3) & 0xF);
        int headerLength = (obu[0] & 0x04) != 0 ? 2 : 1;
        if (obu.Length < headerLength) return false;
        body = obu[headerLength..];
        if ((obu[0] & 0x02) != 0)
        {
            if (!TryReadLeb128(body, out uint size, out int used, out _)) return false;
            body = body[used..];
            if (size < (uint)body.Length) body = body[..(int)size];
        }
        return true;
    }

    /// <summary>§4.10.5 leb128(): little-endian groups of 7 bits, high bit = more; at most 8 octets, value below 2^32.</summary>
    internal static bool TryReadLeb128(ReadOnlySpan<byte> source, out uint value, out int used, out DropReason reason)
    {
        ulong result = 0;
        value = 0;
        used = 0;
        for (int i = 0; i < MaxLeb128Bytes; i++)
        {
            if (i >= source.Length)
            {
                reason = DropReason.Truncated;
                return false;
            }
            byte b = source[i];
            result |= (ulong)(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                if (result > uint.MaxValue)
                {
                    reason = DropReason.Malformed;
                    return false;
                }
                value = (uint)result;
                used = i + 1;
                reason = DropReason.None;
                return true;
            }
        }
        reason = DropReason.Malformed;
        return false;
    }
}
