using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Codecs;

/// <summary>
/// Key frame detection in H.264 RTP payloads (RFC 6184 §5.2): single NAL unit packets (types 1..23), STAP-A
/// (24, §5.7.1) and FU-A (28, §5.8). A packet is a key frame when it carries (or starts) an IDR slice (type 5)
/// or a sequence parameter set (type 7).
/// </summary>
/// <remarks>
/// NAL unit header (§1.3): <c>|F|NRI|  Type   |</c>. FU header (§5.8): <c>|S|E|R|  Type   |</c>.
/// </remarks>
public static class H264KeyFrame
{
    public const byte IdrSlice = 5;
    public const byte SequenceParameterSet = 7;
    public const byte StapA = 24;
    public const byte StapB = 25;
    public const byte Mtap16 = 26;
    public const byte Mtap24 = 27;
    public const byte FuA = 28;
    public const byte FuB = 29;

    /// <summary>Validates the packetization structure and reports whether it carries a key frame start.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out bool isKeyFrame, out DropReason reason)
    {
        isKeyFrame = false;
        if (payload.IsEmpty)
        {
            reason = DropReason.Truncated;
            return false;
        }
        // §1.3: the forbidden_zero_bit must be 0.
        if ((payload[0] & 0x80) != 0)
        {
            reason = DropReason.Malformed;
            return false;
        }
        int type = payload[0] & 0x1F;
        switch (type)
        {
            case >= 1 and <= 23:
                isKeyFrame = IsKeyNal(type);
                break;
            case StapA:
                // §5.7.1: repeated 16-bit NALU size and NAL unit, each at least one octet.
                int position = 1;
                if (position >= payload.Length)
                {
                    reason = DropReason.Truncated;
                    return false;
                }
                while (position < payload.Length)
                {
                    if (position + 2 > payload.Length)
                    {
                        reason = DropReason.Truncated;
                        return false;
                    }
                    int size = BinaryPrimitives.ReadUInt16BigEndian(payload[position..]);
                    position += 2;
                    if (size == 0 || position + size > payload.Length)
                    {
                        reason = DropReason.Malformed;
                        return false;
                    }
                    isKeyFrame |= IsKeyNal(payload[position] & 0x1F);
                    position += size;
                }
                break;
            case FuA:
                // §5.8: FU indicator, FU header, then at least one payload octet; S and E are not both set.
                if (payload.Length < 3)
                {
                    reason = DropReason.Truncated;
                    return false;
                }
                byte fuHeader = payload[1];
                if ((fuHeader & 0xC0) == 0xC0)
                {
                    reason = DropReason.Malformed;
                    return false;
                }
                isKeyFrame = (fuHeader & 0x80) != 0 && IsKeyNal(fuHeader & 0x1F);
                break;
            case StapB or Mtap16 or Mtap24 or FuB:
                // Interleaved mode only (RFC 6184 §6.4); never a key frame for this forwarder.
                break;
            default:
                // Types 0, 30 and 31 are undefined (§5.2, Table 1).
                reason = DropReason.Malformed;
                return false;
        }
        reason = DropReason.None;
        return true;
    }

    private static bool IsKeyNal(int type) => type is IdrSlice or SequenceParameterSet;
}
