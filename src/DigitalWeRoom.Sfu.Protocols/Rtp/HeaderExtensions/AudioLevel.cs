namespace DigitalWeRoom.Sfu.Protocols.Rtp.HeaderExtensions;

/// <summary>
/// urn:ietf:params:rtp-hdrext:ssrc-audio-level (RFC 6464 §3): one byte, V (voice activity) and the level in
/// −dBov, 0 (loudest) to 127 (silence).
/// </summary>
public static class AudioLevel
{
    public const string Uri = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
    public const int Length = 1;

    public static bool TryRead(ReadOnlySpan<byte> value, out bool voiceActivity, out byte level)
    {
        if (value.Length != Length)
        {
            voiceActivity = false;
            level = 0;
            return false;
        }
        voiceActivity = (value[0] & 0x80) != 0;
        level = (byte)(value[0] & 0x7F);
        return true;
    }

    public static int Write(Span<byte> destination, bool voiceActivity, byte level)
    {
        if (destination.IsEmpty || level > 127)
        {
            return 0;
        }
        destination[0] = (byte)((voiceActivity ? 0x80 : 0) | level);
        return Length;
    }
}
