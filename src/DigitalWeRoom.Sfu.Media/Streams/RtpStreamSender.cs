namespace DigitalWeRoom.Sfu.Media.Streams;

/// <summary>
/// State of one outgoing RTP stream (one output SSRC towards one subscriber): packet and payload-octet counts and
/// the last RTP timestamp sent with its wall-clock time, which a sender report (RFC 3550 §6.4.1) needs.
/// Owned by the subscriber's send loop, which also keeps the <see cref="Retransmissions"/> of the stream (for NACKs
/// from the subscriber) and the RTX stream state (RFC 4588) when RTX is negotiated for it.
/// </summary>
public sealed class RtpStreamSender
{
    public RtpStreamSender(uint ssrc, int clockRate)
    {
        Ssrc = ssrc;
        ClockRate = clockRate;
    }

    public uint Ssrc { get; }

    /// <summary>An audio stream: the send loop's pacer sends it ahead of queued video (never held for the budget).</summary>
    public bool IsAudio { get; init; }

    /// <summary>Packets kept for retransmission; null when NACKs are not answered for this stream.</summary>
    public RetransmissionBuffer? Retransmissions { get; init; }

    /// <summary>RTX SSRC (RFC 4588 §8.7, a=ssrc-group:FID); 0 when RTX is not negotiated (retransmit the original).</summary>
    public uint RtxSsrc { get; init; }

    /// <summary>Media payload type (as sent) → RTX payload type whose apt names it (RFC 4588 §8.6).</summary>
    public IReadOnlyList<(byte Media, byte Rtx)> RtxPayloadTypes { get; init; } = [];

    /// <summary>Next sequence number of the RTX stream (its own space, RFC 4588 §4); send loop only.</summary>
    internal ushort NextRtxSequenceNumber { get; set; } = (ushort)Random.Shared.Next(0, 0x8000);

    /// <summary>RTX payload type for <paramref name="mediaPayloadType"/>; false when there is none (or no RTX SSRC).</summary>
    public bool TryGetRtxPayloadType(byte mediaPayloadType, out byte rtxPayloadType)
    {
        rtxPayloadType = 0;
        if (RtxSsrc == 0) return false;
        var map = RtxPayloadTypes;
        for (int i = 0; i < map.Count; i++)
        {
            if (map[i].Media == mediaPayloadType)
            {
                rtxPayloadType = map[i].Rtx;
                return true;
            }
        }
        return false;
    }

    public int ClockRate { get; }

    public long PacketCount { get; private set; }

    /// <summary>Payload octets sent (header and padding excluded, §6.4.1).</summary>
    public long OctetCount { get; private set; }

    public bool HasSent => PacketCount != 0;

    public uint LastRtpTimestamp { get; private set; }

    public long LastSendTime { get; private set; }

    /// <summary>
    /// Cumulative packets lost on the way to the subscriber, from its latest reception report about this stream
    /// (RFC 3550 §6.4.1; written on the subscriber's receive loop, read by metrics). Never negative.
    /// </summary>
    public long RemotePacketsLost => Volatile.Read(ref _remotePacketsLost);

    /// <summary>The latest report's fraction lost (0..255 = 0..1).</summary>
    public byte RemoteFractionLost => Volatile.Read(ref _remoteFractionLost);

    private long _remotePacketsLost;
    private byte _remoteFractionLost;

    /// <summary>A reception report block from the subscriber about this stream.</summary>
    public void OnReceptionReport(byte fractionLost, int cumulativeLost)
    {
        // Kept monotonic (a counter for metrics): a report after late duplicates may show fewer lost.
        if (cumulativeLost > _remotePacketsLost)
        {
            Volatile.Write(ref _remotePacketsLost, cumulativeLost);
        }
        Volatile.Write(ref _remoteFractionLost, fractionLost);
    }

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
