using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Codecs;

/// <summary>
/// VP9 RTP payload descriptor (RFC 9628 §4.2), flexible (F=1) and non-flexible (F=0) modes, with the
/// scalability structure (§4.2.1) skipped over after validation.
/// </summary>
/// <remarks>
/// <code>
///      0 1 2 3 4 5 6 7
///     +-+-+-+-+-+-+-+-+
///     |I|P|L|F|B|E|V|Z| (REQUIRED)
/// I:  |M| PICTURE ID  | M=1: 15-bit picture ID over two octets
/// L:  | TID |U| SID |D|
///     |   TL0PICIDX   | (F=0 only)
/// P,F:| P_DIFF      |N| (up to 3 times, N=1: another follows)
/// V:  | SS            |
/// </code>
/// </remarks>
public readonly record struct Vp9PayloadDescriptor
{
    public bool HasPictureId { get; init; }
    public bool InterPicturePredicted { get; init; }
    public bool HasLayerIndices { get; init; }
    public bool FlexibleMode { get; init; }
    public bool StartOfFrame { get; init; }
    public bool EndOfFrame { get; init; }
    public bool HasScalabilityStructure { get; init; }
    public bool NotReferenceForUpperSpatialLayers { get; init; }
    public bool PictureIdIs15Bit { get; init; }
    public ushort PictureId { get; init; }
    public int PictureIdOffset { get; init; }
    public byte TemporalLayerId { get; init; }
    public bool SwitchingUpPoint { get; init; }
    public byte SpatialLayerId { get; init; }
    public bool InterLayerDependency { get; init; }
    public byte Tl0PicIdx { get; init; }
    public int Tl0PicIdxOffset { get; init; }
    public int ReferenceCount { get; init; }

    /// <summary>Descriptor length; the VP9 frame data starts here.</summary>
    public int Length { get; init; }

    /// <summary>Not inter-picture predicted, start of a frame, base spatial layer (RFC 9628 §4.2, P, B and SID).</summary>
    public bool IsKeyFrame => !InterPicturePredicted && StartOfFrame && SpatialLayerId == 0;

    public static bool TryParse(ReadOnlySpan<byte> payload, out Vp9PayloadDescriptor descriptor, out DropReason reason)
    {
        descriptor = default;
        reason = DropReason.Truncated;
        if (payload.IsEmpty)
        {
            return false;
        }
        byte first = payload[0];
        var d = new Vp9PayloadDescriptor
        {
            HasPictureId = (first & 0x80) != 0,
            InterPicturePredicted = (first & 0x40) != 0,
            HasLayerIndices = (first & 0x20) != 0,
            FlexibleMode = (first & 0x10) != 0,
            StartOfFrame = (first & 0x08) != 0,
            EndOfFrame = (first & 0x04) != 0,
            HasScalabilityStructure = (first & 0x02) != 0,
            NotReferenceForUpperSpatialLayers = (first & 0x01) != 0,
        };
        int p = 1;
        if (d.HasPictureId)
        {
            if (p >= payload.Length)
            {
                return false;
            }
            bool longId = (payload[p] & 0x80) != 0;
            if (longId && p + 1 >= payload.Length)
            {
                return false;
            }
            ushort id = longId ? (ushort)(BinaryPrimitives.ReadUInt16BigEndian(payload[p..]) & 0x7FFF) : (ushort)(payload[p] & 0x7F);
            d = d with { PictureIdIs15Bit = longId, PictureId = id, PictureIdOffset = p };
            p += longId ? 2 : 1;
        }
        if (d.HasLayerIndices)
        {
            if (p >= payload.Length)
            {
                return false;
            }
            byte l = payload[p++];
            d = d with { TemporalLayerId = (byte)(l >> 5), SwitchingUpPoint = (l & 0x10) != 0, SpatialLayerId = (byte)((l >> 1) & 0x7), InterLayerDependency = (l & 0x01) != 0 };
            if (!d.FlexibleMode)
            {
                if (p >= payload.Length)
                {
                    return false;
                }
                d = d with { Tl0PicIdx = payload[p], Tl0PicIdxOffset = p };
                p++;
            }
        }
        if (d.FlexibleMode && d.InterPicturePredicted)
        {
            // §4.2: up to 3 reference indices, each with N set when another follows.
            int refs = 0;
            bool more = true;
            while (more)
            {
                if (p >= payload.Length)
                {
                    return false;
                }
                if (refs == 3)
                {
                    reason = DropReason.Malformed;
                    return false;
                }
                more = (payload[p++] & 0x01) != 0;
                refs++;
            }
            d = d with { ReferenceCount = refs };
        }
        if (d.HasScalabilityStructure && !TrySkipScalabilityStructure(payload, ref p))
        {
            return false;
        }
        if (p >= payload.Length)
        {
            return false;
        }
        descriptor = d with { Length = p };
        reason = DropReason.None;
        return true;
    }

    /// <summary>RFC 9628 §4.2.1: N_S|Y|G, optional resolutions, optional picture group description.</summary>
    private static bool TrySkipScalabilityStructure(ReadOnlySpan<byte> payload, ref int p)
    {
        if (p >= payload.Length)
        {
            return false;
        }
        byte ss = payload[p++];
        int spatialLayers = (ss >> 5) + 1;
        if ((ss & 0x10) != 0)
        {
            p += 4 * spatialLayers;
        }
        if ((ss & 0x08) != 0)
        {
            if (p >= payload.Length)
            {
                return false;
            }
            int pictures = payload[p++];
            for (int i = 0; i < pictures; i++)
            {
                if (p >= payload.Length)
                {
                    return false;
                }
                int references = (payload[p++] >> 2) & 0x3;
                p += references;
            }
        }
        return p <= payload.Length;
    }
}
