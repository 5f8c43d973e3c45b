using System.Security.Cryptography;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// Session key derivation of RFC 3711 §4.3 with the default AES-CM PRF (§4.3.3) and
/// key_derivation_rate 0, so the "index DIV kdr" term is always zero and keys are derived once.
/// Runs once per context, so it may allocate; the packet path never calls it.
/// </summary>
internal static class SrtpKeyDerivation
{
    // RFC 3711 §4.3.2: labels for the SRTP and SRTCP encryption key, authentication key and salt.
    public const byte RtpEncryptionLabel = 0x00;
    public const byte RtpAuthenticationLabel = 0x01;
    public const byte RtpSaltLabel = 0x02;
    public const byte RtcpEncryptionLabel = 0x03;
    public const byte RtcpAuthenticationLabel = 0x04;
    public const byte RtcpSaltLabel = 0x05;

    private const int PrfSaltLength = 14;

    /// <summary>
    /// Fills <paramref name="destination"/> with PRF_n(k_master, x) where x = (label || r) XOR master_salt
    /// (RFC 3711 §4.3.1) and PRF_n is the AES-CM keystream with IV = x * 2^16 (§4.3.3).
    /// </summary>
    /// <remarks>
    /// A 96-bit master salt (RFC 7714 AEAD profiles) is multiplied by 2^16, i.e. zero-extended on the right to
    /// 112 bits, as RFC 7714 erratum 4938 clarifies for §11.
    /// </remarks>
    public static void Derive(ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, byte label, Span<byte> destination)
    {
        if (masterKey.Length != 16)
        {
            throw new ArgumentException("AES-128 master key must be 16 bytes.", nameof(masterKey));
        }

        if (masterSalt.Length is not (12 or PrfSaltLength))
        {
            throw new ArgumentException("Master salt must be 12 or 14 bytes.", nameof(masterSalt));
        }

        Span<byte> iv = stackalloc byte[16];
        iv.Clear();
        masterSalt.CopyTo(iv);

        // key_id = label || r with r = 0 (kdr 0): 56 bits right-aligned in the 112-bit salt puts the label at byte 7.
        iv[7] ^= label;

        using var aes = Aes.Create();
        aes.Key = masterKey.ToArray();
        int blocks = (destination.Length + 15) / 16;
        var counters = new byte[blocks * 16];
        for (int i = 0; i < blocks; i++)
        {
            Span<byte> block = counters.AsSpan(i * 16, 16);
            iv.CopyTo(block);
            block[14] = (byte)(i >> 8);
            block[15] = (byte)i;
        }

        byte[] keystream = aes.EncryptEcb(counters, PaddingMode.None);
        keystream.AsSpan(0, destination.Length).CopyTo(destination);
        CryptographicOperations.ZeroMemory(keystream);
    }

    /// <summary>The session keys of one direction for either SRTP or SRTCP.</summary>
    public static SrtpSessionKeys DeriveSessionKeys(
        SrtpProtectionProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, bool rtcp)
    {
        var keys = new SrtpSessionKeys(
            new byte[SrtpProfileInfo.KeyLength(profile)],
            new byte[SrtpProfileInfo.SaltLength(profile)],
            new byte[SrtpProfileInfo.AuthKeyLength(profile)]);
        Derive(masterKey, masterSalt, rtcp ? RtcpEncryptionLabel : RtpEncryptionLabel, keys.EncryptionKey);
        Derive(masterKey, masterSalt, rtcp ? RtcpSaltLabel : RtpSaltLabel, keys.Salt);
        if (keys.AuthenticationKey.Length > 0)
        {
            Derive(masterKey, masterSalt, rtcp ? RtcpAuthenticationLabel : RtpAuthenticationLabel, keys.AuthenticationKey);
        }

        return keys;
    }
}

/// <summary>Derived session keys k_e, k_s, k_a of RFC 3711 §4.3 (k_a is empty for AEAD profiles).</summary>
public sealed record SrtpSessionKeys(byte[] EncryptionKey, byte[] Salt, byte[] AuthenticationKey);
