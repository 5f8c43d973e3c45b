namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// DTLS-SRTP protection profiles we negotiate, with their wire values from the use_srtp extension
/// (RFC 5764 §4.1.2 for <c>SRTP_AES128_CM_HMAC_SHA1_80</c>, RFC 7714 §14.2 for <c>SRTP_AEAD_AES_128_GCM</c>).
/// </summary>
public enum SrtpProtectionProfile : ushort
{
    Aes128CmHmacSha1_80 = 0x0001,
    AeadAes128Gcm = 0x0007,
}

/// <summary>
/// Transform parameters of each profile: RFC 5764 §4.1.2 (AES-CM + HMAC-SHA1-80, 112-bit salt, 80-bit tag)
/// and RFC 7714 §14.2 (AES-128-GCM, 96-bit salt, 128-bit tag for both SRTP and SRTCP).
/// </summary>
internal static class SrtpProfileInfo
{
    /// <summary>Master and session encryption key length in bytes (both profiles use AES-128).</summary>
    public static int KeyLength(SrtpProtectionProfile profile) => profile switch
    {
        SrtpProtectionProfile.Aes128CmHmacSha1_80 => 16,
        SrtpProtectionProfile.AeadAes128Gcm => 16,
        _ => throw Unsupported(profile),
    };

    /// <summary>Master and session salt length in bytes.</summary>
    public static int SaltLength(SrtpProtectionProfile profile) => profile switch
    {
        SrtpProtectionProfile.Aes128CmHmacSha1_80 => 14,
        SrtpProtectionProfile.AeadAes128Gcm => 12,
        _ => throw Unsupported(profile),
    };

    /// <summary>Session authentication key length in bytes (RFC 3711 §8.2: 160 bits for HMAC-SHA1; none for AEAD).</summary>
    public static int AuthKeyLength(SrtpProtectionProfile profile) => profile switch
    {
        SrtpProtectionProfile.Aes128CmHmacSha1_80 => 20,
        SrtpProtectionProfile.AeadAes128Gcm => 0,
        _ => throw Unsupported(profile),
    };

    /// <summary>Authentication tag appended to SRTP packets, in bytes.</summary>
    public static int RtpAuthTagLength(SrtpProtectionProfile profile) => profile switch
    {
        SrtpProtectionProfile.Aes128CmHmacSha1_80 => 10,
        SrtpProtectionProfile.AeadAes128Gcm => 16,
        _ => throw Unsupported(profile),
    };

    /// <summary>Authentication tag appended to SRTCP packets, in bytes (RFC 5764 §4.1.2: 80 bits for SRTCP too).</summary>
    public static int RtcpAuthTagLength(SrtpProtectionProfile profile) => RtpAuthTagLength(profile);

    /// <summary>Bytes added to an RTP packet by protection.</summary>
    public static int RtpOverhead(SrtpProtectionProfile profile) => RtpAuthTagLength(profile);

    /// <summary>Bytes added to an RTCP packet by protection: the tag and the E flag with the SRTCP index (RFC 3711 §3.4).</summary>
    public static int RtcpOverhead(SrtpProtectionProfile profile) => RtcpAuthTagLength(profile) + 4;

    /// <summary>Whether the profile is an AEAD transform (RFC 7714) rather than cipher + HMAC (RFC 3711).</summary>
    public static bool IsAead(SrtpProtectionProfile profile) => profile == SrtpProtectionProfile.AeadAes128Gcm;

    /// <summary>Whether <paramref name="profile"/> is one this implementation supports.</summary>
    public static bool IsSupported(SrtpProtectionProfile profile) =>
        profile is SrtpProtectionProfile.Aes128CmHmacSha1_80 or SrtpProtectionProfile.AeadAes128Gcm;

    private static ArgumentOutOfRangeException Unsupported(SrtpProtectionProfile profile) =>
        new(nameof(profile), profile, "Unsupported SRTP protection profile.");
}
