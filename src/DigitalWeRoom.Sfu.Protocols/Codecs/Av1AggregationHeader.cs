namespace DigitalWeRoom.Sfu.Protocols.Codecs;

/// <summary>
/// The AV1 RTP aggregation header (AV1 RTP specification §4.4), the first octet of every AV1 payload:
/// <c>|Z|Y| W |N|-|-|-|</c>. N=1 marks the first packet of a coded video sequence, i.e. a key frame.
/// </summary>
internal readonly record struct Av1AggregationHeader(bool ContinuesPreviousObu, bool ContinuesInNextPacket, byte ObuElementCount, bool NewCodedVideoSequence)
{
    public bool IsKeyFrame => NewCodedVideoSequence;

    public static bool TryParse(ReadOnlySpan<byte> payload, out Av1AggregationHeader header, out DropReason reason)
    {
        header = default;
        // The header and at least one octet of OBU data.
        if (payload.Length < 2)
        {
            reason = DropReason.Truncated;
            return false;
        }
        byte b = payload[0];
        header = new Av1AggregationHeader((b & 0x80) != 0, (b & 0x40) != 0, (byte)((b >> 4) & 0x3), (b & 0x08) != 0);
        reason = DropReason.None;
        return true;
    }
}
