namespace DigitalWeRoom.Sfu.Protocols.Rtp;

/// <summary>
/// The local IDs a session negotiated for the extensions the SFU reads (RFC 8285 §5, a=extmap); 0 means not
/// negotiated. One per transport, built from SDP by the signaling layer.
/// </summary>
public readonly record struct RtpHeaderExtensionIds(
    byte Mid = 0,
    byte RtpStreamId = 0,
    byte RepairedRtpStreamId = 0,
    byte AbsSendTime = 0,
    byte TransportWideSequenceNumber = 0,
    byte AudioLevel = 0);

/// <summary>
/// Raw values of the known extensions of one packet, found in a single pass over the extension block
/// (empty span: absent). Decode each with the matching class in <c>Rtp/HeaderExtensions</c>.
/// </summary>
public ref struct RtpKnownExtensions
{
    public ReadOnlySpan<byte> Mid;
    public ReadOnlySpan<byte> RtpStreamId;
    public ReadOnlySpan<byte> RepairedRtpStreamId;
    public ReadOnlySpan<byte> AbsSendTime;
    public ReadOnlySpan<byte> TransportWideSequenceNumber;
    public ReadOnlySpan<byte> AudioLevel;

    /// <summary>Offset of the transport-wide sequence number value in the packet (-1: absent), for in-place rewrite.</summary>
    public int TransportWideSequenceNumberOffset;

    /// <summary>Walks the extension block of <paramref name="view"/> once and picks the negotiated IDs.</summary>
    public static RtpKnownExtensions Read(in RtpPacketView view, in RtpHeaderExtensionIds ids)
    {
        var known = new RtpKnownExtensions { TransportWideSequenceNumberOffset = -1 };
        ReadOnlySpan<byte> data = view.ExtensionData;
        int dataOffset = view.HeaderLength - data.Length;
        RtpExtensionReader reader = view.Extensions;
        while (reader.TryReadNext(out byte id, out int offset, out int length))
        {
            ReadOnlySpan<byte> value = data.Slice(offset, length);
            // Zero IDs never match: the reader never yields ID 0 (padding).
            if (id == ids.Mid)
            {
                known.Mid = value;
            }
            else if (id == ids.RtpStreamId)
            {
                known.RtpStreamId = value;
            }
            else if (id == ids.RepairedRtpStreamId)
            {
                known.RepairedRtpStreamId = value;
            }
            else if (id == ids.AbsSendTime)
            {
                known.AbsSendTime = value;
            }
            else if (id == ids.TransportWideSequenceNumber)
            {
                known.TransportWideSequenceNumber = value;
                known.TransportWideSequenceNumberOffset = dataOffset + offset;
            }
            else if (id == ids.AudioLevel)
            {
                known.AudioLevel = value;
            }
        }
        return known;
    }
}
