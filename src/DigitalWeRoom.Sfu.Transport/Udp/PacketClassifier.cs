namespace DigitalWeRoom.Sfu.Transport.Udp;

/// <summary>What a datagram on the shared port carries, by its first byte.</summary>
internal enum PacketKind : byte
{
    Unknown = 0,
    Stun = 1,
    Dtls = 2,
    Rtp = 3,
}

/// <summary>
/// RFC 7983 §7 demultiplexing of one UDP port by the first byte:
/// [0..3] STUN, [20..63] DTLS, [128..191] RTP/RTCP; everything else (ZRTP 16..19, TURN channels
/// 64..79, QUIC) is not ours and is dropped as <c>UnknownProtocol</c>.
/// </summary>
internal static class PacketClassifier
{
    public static PacketKind Classify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty)
        {
            return PacketKind.Unknown;
        }
        byte first = datagram[0];
        return first switch
        {
            <= 3 => PacketKind.Stun,
            >= 20 and <= 63 => PacketKind.Dtls,
            >= 128 and <= 191 => PacketKind.Rtp,
            _ => PacketKind.Unknown,
        };
    }

    /// <summary>
    /// RFC 5761 §4: with rtcp-mux, a packet whose second byte (marker + payload type) is 192..223 is
    /// RTCP (SR 200, RR 201, SDES 202, BYE 203, APP 204, RTPFB 205, PSFB 206, XR 207); RTP payload
    /// types 64..95 are avoided exactly so the two never collide.
    /// </summary>
    public static bool IsRtcp(ReadOnlySpan<byte> packet) => packet.Length >= 2 && packet[1] is >= 192 and <= 223;
}
