namespace DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;

/// <summary>
/// http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time: 24-bit unsigned 6.18 fixed-point seconds, the
/// middle bits of the 64-bit NTP send time (wraps every 64 s).
/// </summary>
internal static class AbsSendTime
{
    public const string Uri = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
    public const int Length = 3;

    /// <summary>Units per second of the 6.18 format.</summary>
    public const int TicksPerSecond = 1 << 18;

    public static bool TryRead(ReadOnlySpan<byte> value, out uint sendTime24)
    {
        if (value.Length != Length)
        {
            sendTime24 = 0;
            return false;
        }
        sendTime24 = (uint)((value[0] << 16) | (value[1] << 8) | value[2]);
        return true;
    }

    public static int Write(Span<byte> destination, uint sendTime24)
    {
        if (destination.Length < Length)
        {
            return 0;
        }
        destination[0] = (byte)(sendTime24 >> 16);
        destination[1] = (byte)(sendTime24 >> 8);
        destination[2] = (byte)sendTime24;
        return Length;
    }

    /// <summary>Takes bits 14..37 of a 32.32 NTP timestamp: 6 bits of seconds and 18 bits of fraction.</summary>
    public static uint FromNtp(ulong ntpTimestamp) => (uint)(ntpTimestamp >> 14) & 0xFF_FFFF;

    /// <summary>Converts microseconds (any epoch) to the 24-bit value.</summary>
    public static uint FromMicroseconds(long microseconds) => (uint)(((UInt128)(ulong)microseconds << 18) / 1_000_000) & 0xFF_FFFF;

    /// <summary>The value in microseconds within its 64-second window.</summary>
    public static long ToMicroseconds(uint sendTime24) => ((long)(sendTime24 & 0xFF_FFFF) * 1_000_000) >> 18;
}
