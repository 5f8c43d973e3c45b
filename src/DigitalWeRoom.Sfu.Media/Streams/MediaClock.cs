namespace DigitalWeRoom.Sfu.Media.Streams;

/// <summary>Conversions between <see cref="TimeProvider"/> timestamps, RTP clock units and NTP time (RFC 3550 §4).</summary>
public static class MediaClock
{
    // Seconds from 1900-01-01 (NTP era 0) to 1970-01-01.
    private const long NtpUnixOffsetSeconds = 2_208_988_800;

    /// <summary><paramref name="ticks"/> (timestamp units at <paramref name="frequency"/>) in units of <paramref name="rate"/> per second, without overflow.</summary>
    public static long Convert(long ticks, long frequency, long rate)
    {
        long whole = ticks / frequency;
        long rest = ticks % frequency;
        return whole * rate + rest * rate / frequency;
    }

    /// <summary>64-bit NTP timestamp (32.32 fixed point seconds since 1900) of a UTC time.</summary>
    public static ulong ToNtp(DateTimeOffset utc)
    {
        long unixTicks = utc.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks; // 100 ns units
        long seconds = unixTicks / TimeSpan.TicksPerSecond;
        long fractionTicks = unixTicks % TimeSpan.TicksPerSecond;
        ulong fraction = (ulong)((UInt128)(ulong)fractionTicks * (1UL << 32) / (ulong)TimeSpan.TicksPerSecond);
        return ((ulong)(seconds + NtpUnixOffsetSeconds) << 32) | fraction;
    }
}
