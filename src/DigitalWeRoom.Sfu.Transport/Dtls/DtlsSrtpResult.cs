using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// What a completed DTLS-SRTP handshake yields (RFC 5764 §4.2), and the curve its ECDHE used (an RFC 8422 NamedCurve).
/// </summary>
internal sealed record DtlsSrtpResult(SrtpProtectionProfile Profile, byte[] KeyingMaterial, int CipherSuite, int NamedGroup);

/// <summary>Shared DTLS-SRTP choices for both roles.</summary>
internal static class DtlsSrtpPolicy
{
    /// <summary>
    /// ECDHE_ECDSA suites only: our certificate is ECDSA, and BouncyCastle's default list would
    /// otherwise pick an ECDHE_RSA suite and fail with internal_error(80) (TESTING-NOTES §1).
    /// </summary>
    public static readonly int[] CipherSuites =
    [
        Org.BouncyCastle.Tls.CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,       // C02B
        Org.BouncyCastle.Tls.CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, // CCA9
        Org.BouncyCastle.Tls.CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,       // C02C
    ];

    /// <summary>Our SRTP profiles in preference order (RFC 7714 §14.2 GCM first, then RFC 5764 CM).</summary>
    public static readonly int[] SrtpProfiles = [(int)SrtpProtectionProfile.AeadAes128Gcm, (int)SrtpProtectionProfile.Aes128CmHmacSha1_80];

    /// <summary>Default overall handshake timeout.</summary>
    public const int HandshakeTimeoutMillis = 10_000;

    public static int ChooseProfile(int[] offered)
    {
        foreach (int ours in SrtpProfiles)
        {
            if (Array.IndexOf(offered, ours) >= 0)
            {
                return ours;
            }
        }
        return -1;
    }

    /// <summary>
    /// RFC 5764 §4.2: the SRTP master keys and salts of both directions come from the TLS exporter with the
    /// "EXTRACTOR-dtls_srtp" label once the handshake is done; the same in either role.
    /// </summary>
    public static DtlsSrtpResult ExportResult(Org.BouncyCastle.Tls.TlsContext context, int profile)
    {
        var srtpProfile = (SrtpProtectionProfile)profile;
        byte[] material = context.ExportKeyingMaterial(
            Org.BouncyCastle.Tls.ExporterLabel.dtls_srtp, null, SrtpContext.KeyingMaterialLength(srtpProfile));
        // DTLS 1.2 leaves SecurityParameters.NegotiatedGroup unset; the crypto noted the curve of the key exchange.
        int namedGroup = context.Crypto is DtlsCrypto crypto ? crypto.NamedGroup : -1;
        return new DtlsSrtpResult(srtpProfile, material, context.SecurityParameters.CipherSuite, namedGroup);
    }
}
