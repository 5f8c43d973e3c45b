namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// Packet index estimation of RFC 3711 §3.3.1 and Appendix A: the 48-bit index i = 2^16 * ROC + SEQ is guessed
/// from the highest index seen so far (ROC and s_l), choosing among ROC-1, ROC and ROC+1 the one that puts SEQ
/// closest to s_l, so that both reordering across a wrap and the wrap itself are handled.
/// </summary>
internal static class RolloverCounter
{
    /// <summary>
    /// Estimated index of a packet with sequence number <paramref name="seq"/> given the highest index so far,
    /// or -1 when the guess would need a negative ROC (a packet from before the stream's first index).
    /// </summary>
    public static long EstimateIndex(ulong highestIndex, ushort seq)
    {
        long roc = (long)(highestIndex >> 16);
        int highestSeq = (int)(highestIndex & 0xFFFF);
        long v;
        if (highestSeq < 0x8000)
        {
            // RFC 3711 Appendix A: if SEQ - s_l > 2^15 the packet is from before the last wrap.
            v = seq - highestSeq > 0x8000 ? roc - 1 : roc;
        }
        else
        {
            // If s_l - 2^15 > SEQ the sender has wrapped since s_l.
            v = highestSeq - 0x8000 > seq ? roc + 1 : roc;
        }

        if (v < 0 || v > uint.MaxValue)
        {
            return -1;
        }

        return (v << 16) | seq;
    }
}
