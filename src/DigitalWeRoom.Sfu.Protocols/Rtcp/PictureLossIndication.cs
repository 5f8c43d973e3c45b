namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>Picture loss indication (RFC 4585 §6.3.1): PSFB FMT 1, no FCI.</summary>
public readonly record struct PictureLossIndication(uint SenderSsrc, uint MediaSsrc)
{
    public const int Length = RtcpFeedback.HeaderLength;

    public static bool TryParse(ReadOnlySpan<byte> packet, out PictureLossIndication pli, out DropReason reason)
    {
        bool ok = RtcpFeedback.TryParse(packet, RtcpPacketType.PayloadSpecificFeedback, (byte)PayloadSpecificFeedbackFormat.PictureLossIndication, out uint sender, out uint media, out _, out reason);
        pli = ok ? new PictureLossIndication(sender, media) : default;
        return ok;
    }

    /// <summary>Writes the 12-byte PLI; returns 12, or 0 if it does not fit.</summary>
    public static int Write(Span<byte> destination, uint senderSsrc, uint mediaSsrc)
    {
        if (destination.Length < Length)
        {
            return 0;
        }
        RtcpFeedback.WriteHeader(destination, RtcpPacketType.PayloadSpecificFeedback, (byte)PayloadSpecificFeedbackFormat.PictureLossIndication, Length, senderSsrc, mediaSsrc);
        return Length;
    }
}
