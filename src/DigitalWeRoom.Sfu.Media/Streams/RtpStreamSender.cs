namespace DigitalWeRoom.Sfu.Media.Streams;

/// <summary>
/// State of one outgoing RTP stream (one output SSRC towards one subscriber): packet and payload-octet counts and
/// the last RTP timestamp sent with its wall-clock time, which a sender report (RFC 3550 §6.4.1) needs.
/// Owned by the subscriber's send loop. Seam: the NACK/RTX retransmission buffer (RetransmissionBuffer) will hang
/// here and keep AddRef'd packets, released on eviction.
/// </summary>
internal sealed class RtpStreamSender
{
    public RtpStreamSender(uint ssrc, int clockRate)
    {
        Ssrc = ssrc;
        ClockRate = clockRate;
    }

    public uint Ssrc { get; }

    public int ClockRate { get; }

    public long PacketCount { get; private set; }

    /// <summary>Payload octets sent (header and padding excluded, §6.4.1).</summary>
    public long OctetCount { get; private set; }

    public bool HasSent => PacketCount != 0;

    public uint LastRtpTimestamp { get; private set; }

    public long LastSendTime { get; private set; }

    public void OnSent(uint rtpTimestamp, int payloadLength, long now)
    {
        PacketCount++;
        OctetCount += payloadLength;
        // Track the newest timestamp (reordered packets must not move the SR mapping backwards).
        if (PacketCount == 1 || (int)(rtpTimestamp - LastRtpTimestamp) >= 0)
        {
            LastRtpTimestamp = rtpTimestamp;
            LastSendTime = now;
        }
    }

    /// <summary>RTP timestamp corresponding to wall-clock time <paramref name="now"/> (extrapolated from the last packet).</summary>
    public uint RtpTimestampAt(long now, long timestampFrequency)
        => LastRtpTimestamp + (uint)((now - LastSendTime) * ClockRate / timestampFrequency);
}
