using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

public sealed class SrtpKeyDerivationTests
{
    // RFC 3711 Appendix B.3.
    private static readonly byte[] MasterKey = Convert.FromHexString("E1F97A0D3E018BE0D64FA32C06DE4139");
    private static readonly byte[] MasterSalt = Convert.FromHexString("0EC675AD498AFEEBB6960B3AABE6");

    [Fact]
    public void Rfc3711_B3_cipher_key()
    {
        var key = new byte[16];
        SrtpKeyDerivation.Derive(MasterKey, MasterSalt, SrtpKeyDerivation.RtpEncryptionLabel, key);
        Assert.Equal("C61E7A93744F39EE10734AFE3FF7A087", Convert.ToHexString(key));
    }

    [Fact]
    public void Rfc3711_B3_cipher_salt()
    {
        var salt = new byte[14];
        SrtpKeyDerivation.Derive(MasterKey, MasterSalt, SrtpKeyDerivation.RtpSaltLabel, salt);
        Assert.Equal("30CBBC08863D8C85D49DB34A9AE1", Convert.ToHexString(salt));
    }

    [Fact]
    public void Rfc3711_B3_authentication_key_all_94_bytes()
    {
        var auth = new byte[94];
        SrtpKeyDerivation.Derive(MasterKey, MasterSalt, SrtpKeyDerivation.RtpAuthenticationLabel, auth);
        Assert.Equal(
            "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE"
            + "E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25"
            + "6D6E919A48B610EF17C2041E474035766B68642C59BBFC2F34DB60DBDFB2",
            Convert.ToHexString(auth));
    }

    [Fact]
    public void Session_keys_use_distinct_labels_for_rtp_and_rtcp()
    {
        SrtpSessionKeys rtp = SrtpKeyDerivation.DeriveSessionKeys(SrtpProtectionProfile.Aes128CmHmacSha1_80, MasterKey, MasterSalt, rtcp: false);
        SrtpSessionKeys rtcp = SrtpKeyDerivation.DeriveSessionKeys(SrtpProtectionProfile.Aes128CmHmacSha1_80, MasterKey, MasterSalt, rtcp: true);

        Assert.Equal("C61E7A93744F39EE10734AFE3FF7A087", Convert.ToHexString(rtp.EncryptionKey));
        Assert.Equal("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4", Convert.ToHexString(rtp.AuthenticationKey));
        Assert.NotEqual(rtp.EncryptionKey, rtcp.EncryptionKey);
        Assert.NotEqual(rtp.Salt, rtcp.Salt);
        Assert.NotEqual(rtp.AuthenticationKey, rtcp.AuthenticationKey);
        Assert.Equal(16, rtcp.EncryptionKey.Length);
        Assert.Equal(14, rtcp.Salt.Length);
    }

    [Fact]
    public void Gcm_12_byte_master_salt_is_zero_extended_per_rfc7714_erratum_4938()
    {
        // The 96-bit salt times 2^16 equals the 112-bit salt with two zero bytes appended.
        byte[] salt12 = MasterSalt[..12];
        byte[] salt14 = [.. salt12, 0, 0];
        SrtpSessionKeys gcm = SrtpKeyDerivation.DeriveSessionKeys(SrtpProtectionProfile.AeadAes128Gcm, MasterKey, salt12, rtcp: false);
        var key = new byte[16];
        var salt = new byte[14];
        SrtpKeyDerivation.Derive(MasterKey, salt14, SrtpKeyDerivation.RtpEncryptionLabel, key);
        SrtpKeyDerivation.Derive(MasterKey, salt14, SrtpKeyDerivation.RtpSaltLabel, salt);

        Assert.Equal(key, gcm.EncryptionKey);
        Assert.Equal(salt[..12], gcm.Salt);
        Assert.Empty(gcm.AuthenticationKey);
    }

    [Fact]
    public void Profile_wire_values_and_lengths()
    {
        Assert.Equal(0x0001, (ushort)SrtpProtectionProfile.Aes128CmHmacSha1_80);
        Assert.Equal(0x0007, (ushort)SrtpProtectionProfile.AeadAes128Gcm);
        Assert.Equal(60, SrtpContext.KeyingMaterialLength(SrtpProtectionProfile.Aes128CmHmacSha1_80));
        Assert.Equal(56, SrtpContext.KeyingMaterialLength(SrtpProtectionProfile.AeadAes128Gcm));
        Assert.Equal(10, SrtpProfileInfo.RtpAuthTagLength(SrtpProtectionProfile.Aes128CmHmacSha1_80));
        Assert.Equal(16, SrtpProfileInfo.RtpAuthTagLength(SrtpProtectionProfile.AeadAes128Gcm));
        Assert.Equal(20, SrtpProfileInfo.RtcpOverhead(SrtpProtectionProfile.AeadAes128Gcm));
        Assert.True(SrtpContext.MaxOverhead >= 20);
    }
}
