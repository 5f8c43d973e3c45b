namespace DigitalWeRoom.Sfu.Protocols.Rtcp;

/// <summary>RTP/RTCP multiplexing on one port (RFC 5761 §4).</summary>
internal static class RtpRtcpDemux
{
    /// <summary>
    /// True when the second octet is 192..223: an RTCP packet type 192..223, which as RTP would be marker set
    /// with payload type 64..95, the range RFC 5761 §4 keeps free for this reason.
    /// </summary>
    public static bool IsRtcp(ReadOnlySpan<byte> packet) => packet.Length >= 2 && packet[1] is >= 192 and <= 223;
}
