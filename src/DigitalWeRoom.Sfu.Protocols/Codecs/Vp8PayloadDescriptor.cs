namespace DigitalWeRoom.Sfu.Protocols.Codecs;

/// <summary>
/// VP8 RTP payload descriptor (RFC 7741 §4.2) and the key frame flag of the VP8 payload header (§4.3).
/// </summary>
/// <remarks>
/// <code>
///      0 1 2 3 4 5 6 7
///     +-+-+-+-+-+-+-+-+
///     |X|R|N|S|R| PID | (REQUIRED)
///     +-+-+-+-+-+-+-+-+
/// X:  |I|L|T|K| RSV   | (OPTIONAL)
///     +-+-+-+-+-+-+-+-+
/// I:  |M| PictureID   | (OPTIONAL, M=1: 15 bits over two octets)
///     +-+-+-+-+-+-+-+-+
/// L:  |   TL0PICIDX   | (OPTIONAL)
///     +-+-+-+-+-+-+-+-+
/// T/K:|TID|Y| KEYIDX  | (OPTIONAL)
///     +-+-+-+-+-+-+-+-+
/// </code>
/// Offsets let a forwarder rewrite PictureID and TL0PICIDX in its own copy when it switches simulcast layers.
/// </remarks>
public readonly record struct Vp8PayloadDescriptor
{
    public bool NonReference { get; init; }
    public bool StartOfPartition { get; init; }
    public byte PartitionIndex { get; init; }
    public bool HasPictureId { get; init; }
    public bool PictureIdIs15Bit { get; init; }
    public ushort PictureId { get; init; }

    /// <summary>Offset of the PictureID field in the payload (valid when <see cref="HasPictureId"/>).</summary>
    public int PictureIdOffset { get; init; }

    public bool HasTl0PicIdx { get; init; }
    public byte Tl0PicIdx { get; init; }
    public int Tl0PicIdxOffset { get; init; }
    public bool HasTemporalLayerId { get; init; }
    public byte TemporalLayerId { get; init; }
    public bool LayerSync { get; init; }
    public bool HasKeyIndex { get; init; }
    public byte KeyIndex { get; init; }

    /// <summary>Descriptor length; the VP8 payload starts here.</summary>
    public int Length { get; init; }

    /// <summary>
    /// RFC 7741 §4.3: the first packet of a key frame has S=1, PID=0 and the P bit (bit 0 of the first payload
    /// header octet) clear.
    /// </summary>
    public bool IsKeyFrame { get; init; }

    /// <summary>True at the beginning of a VP8 frame (S=1 and PID=0).</summary>
    public bool IsStartOfFrame => StartOfPartition && PartitionIndex == 0;

    /// <summary>
    /// Rewrites PictureID in place in <paramref name="payload"/> (the one this descriptor was parsed from), keeping
    /// its 7- or 15-bit width (RFC 7741 §4.2, M bit); the value wraps to that width. False without a PictureID.
    /// </summary>
    public bool TryWritePictureId(Span<byte> payload, ushort pictureId)
    {
        if (!HasPictureId || payload.Length < Length)
        {
            return false;
        }
        if (PictureIdIs15Bit)
        {
            payload[PictureIdOffset] = (byte)(0x80 | ((pictureId >> 8) & 0x7F));
            payload[PictureIdOffset + 1] = (byte)pictureId;
        }
        else
        {
            payload[PictureIdOffset] = (byte)(pictureId & 0x7F);
        }
        return true;
    }

    /// <summary>Rewrites TL0PICIDX in place (RFC 7741 §4.2); false when the descriptor has none.</summary>
    public bool TryWriteTl0PicIdx(Span<byte> payload, byte tl0PicIdx)
    {
        if (!HasTl0PicIdx || payload.Length < Length)
        {
            return false;
        }
        payload[Tl0PicIdxOffset] = tl0PicIdx;
        return true;
    }

    public static bool TryParse(ReadOnlySpan<byte> payload, out Vp8PayloadDescriptor descriptor, out DropReason reason)
    {
        descriptor = default;
        if (payload.IsEmpty)
        {
            reason = DropReason.Truncated;
            return false;
        }
        byte first = payload[0];
        var d = new Vp8PayloadDescriptor
        {
            NonReference = (first & 0x20) != 0,
            StartOfPartition = (first & 0x10) != 0,
            PartitionIndex = (byte)(first & 0x07),
        };
        int position = 1;
        if ((first & 0x80) != 0)
        {
            if (position >= payload.Length)
            {
                reason = DropReason.Truncated;
                return false;
            }
            byte x = payload[position++];
            if ((x & 0x80) != 0)
            {
                if (position >= payload.Length)
                {
                    reason = DropReason.Truncated;
                    return false;
                }
                bool longId = (payload[position] & 0x80) != 0;
                if (longId && position + 1 >= payload.Length)
                {
                    reason = DropReason.Truncated;
                    return false;
                }
                ushort pictureId = longId ? (ushort)(((payload[position] & 0x7F) << 8) | payload[position + 1]) : (ushort)(payload[position] & 0x7F);
                d = d with { HasPictureId = true, PictureIdIs15Bit = longId, PictureId = pictureId, PictureIdOffset = position };
                position += longId ? 2 : 1;
            }
            if ((x & 0x40) != 0)
            {
                if (position >= payload.Length)
                {
                    reason = DropReason.Truncated;
                    return false;
                }
                d = d with { HasTl0PicIdx = true, Tl0PicIdx = payload[position], Tl0PicIdxOffset = position };
                position++;
            }
            // RFC 7741 §4.2: T and K share one octet, present when either is set.
            if ((x & 0x30) != 0)
            {
                if (position >= payload.Length)
                {
                    reason = DropReason.Truncated;
                    return false;
                }
                byte tk = payload[position++];
                d = d with
                {
                    HasTemporalLayerId = (x & 0x20) != 0,
                    TemporalLayerId = (x & 0x20) != 0 ? (byte)(tk >> 6) : (byte)0,
                    LayerSync = (x & 0x20) != 0 && (tk & 0x20) != 0,
                    HasKeyIndex = (x & 0x10) != 0,
                    KeyIndex = (x & 0x10) != 0 ? (byte)(tk & 0x1F) : (byte)0,
                };
            }
        }
        // A descriptor with no VP8 data after it carries nothing.
        if (position >= payload.Length)
        {
            reason = DropReason.Truncated;
            return false;
        }
        descriptor = d with
        {
            Length = position,
            IsKeyFrame = d.StartOfPartition && d.PartitionIndex == 0 && (payload[position] & 0x01) == 0,
        };
        reason = DropReason.None;
        return true;
    }
}
