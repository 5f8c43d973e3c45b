using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Routing;

public enum OutboundKind : byte
{
    /// <summary>An RTP packet to forward with SSRC/seq/timestamp rewritten.</summary>
    Rtp = 0,

    /// <summary>A ready RTCP packet (e.g. a PLI towards a publisher) to send as is.</summary>
    Rtcp = 1,

    /// <summary>Time to send this transport its periodic SR/RR compound (built on the send loop).</summary>
    ReportTick = 2,

    /// <summary>A generic NACK from the subscriber for <see cref="OutboundItem.Stream"/>: retransmit from its buffer.</summary>
    Nack = 3,

    /// <summary>The pacer's wake-up: send what its budget allows now.</summary>
    PacerTick = 4,

    /// <summary>Send the bandwidth probe packets that are due (<see cref="Congestion.ProbeController"/>).</summary>
    ProbeTick = 5,
}

/// <summary>One item of a <see cref="TransportSender"/> queue. Holds one reference on <see cref="Packet"/>.</summary>
public readonly struct OutboundItem
{
    public readonly PooledPacket? Packet;
    public readonly RtpStreamSender? Stream;
    public readonly uint Ssrc;
    public readonly uint Timestamp;
    public readonly int PayloadLength;
    public readonly ushort SequenceNumber;
    public readonly byte PayloadType;
    public readonly OutboundKind Kind;
    public readonly ushort Vp8PictureId;
    public readonly byte Vp8Tl0PicIdx;

    /// <summary>Set: rewrite the VP8 PictureID/TL0PICIDX in the send loop's copy (simulcast switches).</summary>
    public readonly bool RewriteVp8;

    /// <summary>A packet received earlier and sent again (key-frame cache replay): not timed for forward latency.</summary>
    public readonly bool Replayed;

    private OutboundItem(OutboundKind kind, PooledPacket? packet, RtpStreamSender? stream, uint ssrc, ushort seq, uint timestamp, int payloadLength = 0, byte payloadType = 0, bool rewriteVp8 = false, ushort pictureId = 0, byte tl0PicIdx = 0, bool replayed = false)
    {
        Replayed = replayed;
        RewriteVp8 = rewriteVp8;
        Vp8PictureId = pictureId;
        Vp8Tl0PicIdx = tl0PicIdx;
        PayloadType = payloadType;
        PayloadLength = payloadLength;
        Kind = kind;
        Packet = packet;
        Stream = stream;
        Ssrc = ssrc;
        SequenceNumber = seq;
        Timestamp = timestamp;
    }

    public static OutboundItem ForRtp(PooledPacket packet, RtpStreamSender stream, ushort seq, uint timestamp, byte payloadType, int payloadLength)
        => new(OutboundKind.Rtp, packet, stream, stream.Ssrc, seq, timestamp, payloadLength, payloadType);

    public static OutboundItem ForRtp(PooledPacket packet, RtpStreamSender stream, ushort seq, uint timestamp, byte payloadType, int payloadLength, bool rewriteVp8, ushort pictureId, byte tl0PicIdx)
        => new(OutboundKind.Rtp, packet, stream, stream.Ssrc, seq, timestamp, payloadLength, payloadType, rewriteVp8, pictureId, tl0PicIdx);

    /// <summary>A cached key-frame packet replayed to a new or resumed consumer.</summary>
    public static OutboundItem ForReplayedRtp(PooledPacket packet, RtpStreamSender stream, ushort seq, uint timestamp, byte payloadType, int payloadLength, bool rewriteVp8 = false, ushort pictureId = 0, byte tl0PicIdx = 0)
        => new(OutboundKind.Rtp, packet, stream, stream.Ssrc, seq, timestamp, payloadLength, payloadType, rewriteVp8, pictureId, tl0PicIdx, replayed: true);

    public static OutboundItem ForRtcp(PooledPacket packet) => new(OutboundKind.Rtcp, packet, null, 0, 0, 0);

    /// <summary><paramref name="packet"/> holds the NACK (RFC 4585 §6.2.1) as received.</summary>
    public static OutboundItem ForNack(PooledPacket packet, RtpStreamSender stream) => new(OutboundKind.Nack, packet, stream, stream.Ssrc, 0, 0);

    public static OutboundItem ReportTick() => new(OutboundKind.ReportTick, null, null, 0, 0, 0);

    public static OutboundItem PacerTick() => new(OutboundKind.PacerTick, null, null, 0, 0, 0);

    public static OutboundItem ProbeTick() => new(OutboundKind.ProbeTick, null, null, 0, 0, 0);
}
