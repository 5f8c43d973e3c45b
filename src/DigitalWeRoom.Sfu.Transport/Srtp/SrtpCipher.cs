namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// The cryptographic transform of one profile for one set of session keys (either the SRTP or the SRTCP keys of
/// one direction, RFC 3711 §4.3). It only transforms bytes at known offsets; parsing, index estimation and
/// replay protection belong to <see cref="SrtpContext"/>. Not thread-safe: the context keeps one instance for RTP
/// and another for RTCP so that the two may run on different threads.
/// </summary>
internal abstract class SrtpCipher : IDisposable
{
    /// <summary>Length of the authentication tag this transform appends.</summary>
    public abstract int TagLength { get; }

    /// <summary>
    /// Encrypts the payload of the RTP packet in <c>packet[..length]</c> and appends the tag after it.
    /// The caller guarantees room for the tag. Returns the protected length.
    /// </summary>
    public abstract int ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index);

    /// <summary>
    /// Authenticates the SRTP packet <c>packet[..length]</c> (tag included) and decrypts its payload in place.
    /// Returns false when the tag does not verify.
    /// </summary>
    public abstract bool UnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index);

    /// <summary>
    /// Encrypts the RTCP compound packet <c>packet[..length]</c> after its first 8 bytes, appends the E flag with
    /// the 31-bit SRTCP <paramref name="index"/> and the tag (in the profile's order). Returns the protected length.
    /// </summary>
    public abstract int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index);

    /// <summary>
    /// Authenticates the SRTCP packet <c>packet[..length]</c> whose E flag and index the caller already read, and
    /// decrypts it when <paramref name="encrypted"/>. Returns false when the tag does not verify.
    /// </summary>
    public abstract bool UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint index, bool encrypted);

    /// <summary>Offset of the E flag and SRTCP index word in a protected SRTCP packet of <paramref name="length"/>.</summary>
    public abstract int RtcpIndexOffset(int length);

    public abstract void Dispose();

    public static SrtpCipher Create(SrtpProtectionProfile profile, SrtpSessionKeys keys, SrtpCryptoBackend backend) =>
        profile switch
        {
            SrtpProtectionProfile.Aes128CmHmacSha1_80 => new AesCmHmacSha1Cipher(keys, backend),
            SrtpProtectionProfile.AeadAes128Gcm => new AeadAesGcmCipher(keys, backend),
            _ => throw new ArgumentOutOfRangeException(nameof(profile), profile, "Unsupported SRTP protection profile."),
        };
}
