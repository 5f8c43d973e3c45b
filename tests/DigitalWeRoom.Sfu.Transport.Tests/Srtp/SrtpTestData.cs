using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

/// <summary>Packets, keys and theory data shared by the SRTP tests.</summary>
internal static class SrtpTestData
{
    public static readonly byte[] MasterKey = Convert.FromHexString("E1F97A0D3E018BE0D64FA32C06DE4139");
    public static readonly byte[] MasterSalt14 = Convert.FromHexString("0EC675AD498AFEEBB6960B3AABE6");
    public static readonly byte[] MasterSalt12 = Convert.FromHexString("0EC675AD498AFEEBB6960B3A");

    public static IEnumerable<SrtpCryptoBackend> Backends()
    {
        yield return SrtpCryptoBackend.Managed;

        // The native path is what production uses on Debian; the test fails loudly if libcrypto.so.3 is missing
        // there rather than silently testing only the fallback.
        if (LibCrypto.IsAvailable || OperatingSystem.IsLinux())
        {
            yield return SrtpCryptoBackend.Native;
        }
    }

    // Theory data is passed as names: the types are internal and xunit test methods are public.
    public static TheoryData<string> BackendData()
    {
        var data = new TheoryData<string>();
        foreach (SrtpCryptoBackend b in Backends())
        {
            data.Add(b.ToString());
        }

        return data;
    }

    public static TheoryData<string, string> ProfileBackendData()
    {
        var data = new TheoryData<string, string>();
        foreach (SrtpProtectionProfile p in new[] { SrtpProtectionProfile.Aes128CmHmacSha1_80, SrtpProtectionProfile.AeadAes128Gcm })
        {
            foreach (SrtpCryptoBackend b in Backends())
            {
                data.Add(p.ToString(), b.ToString());
            }
        }

        return data;
    }

    public static SrtpCryptoBackend Backend(string name) => Enum.Parse<SrtpCryptoBackend>(name);

    public static SrtpProtectionProfile Profile(string name) => Enum.Parse<SrtpProtectionProfile>(name);

    public static SrtpContext Context(SrtpProtectionProfile profile, SrtpCryptoBackend backend) =>
        SrtpContext.Create(
            profile,
            MasterKey,
            profile == SrtpProtectionProfile.AeadAes128Gcm ? MasterSalt12 : MasterSalt14,
            backend);

    /// <summary>An RTP packet (RFC 3550 §5.1) in a buffer with <see cref="SrtpContext.MaxOverhead"/> spare bytes.</summary>
    public static byte[] Rtp(uint ssrc, ushort seq, int payloadLength, out int length, bool withExtension = false)
    {
        int header = 12 + (withExtension ? 8 : 0);
        length = header + payloadLength;
        var buffer = new byte[length + SrtpContext.MaxOverhead];
        buffer[0] = (byte)(0x80 | (withExtension ? 0x10 : 0));
        buffer[1] = 96;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), seq);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), seq * 3000u);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(8), ssrc);
        if (withExtension)
        {
            // RFC 8285 one-byte header extension with one 3-byte element and padding.
            buffer[12] = 0xBE;
            buffer[13] = 0xDE;
            buffer[15] = 1;
            buffer[16] = 0x12;
            buffer[17] = 0xAA;
            buffer[18] = 0xBB;
            buffer[19] = 0xCC;
        }

        for (int i = header; i < length; i++)
        {
            buffer[i] = (byte)(i * 7 + seq);
        }

        return buffer;
    }

    /// <summary>A receiver report (RFC 3550 §6.4.2) with one report block, sender SSRC <paramref name="ssrc"/>.</summary>
    public static byte[] Rtcp(uint ssrc, out int length)
    {
        length = 32;
        var buffer = new byte[length + SrtpContext.MaxOverhead];
        buffer[0] = 0x81;
        buffer[1] = 201;
        BinaryPrimitives.WriteUInt16BigEndian(buffer.AsSpan(2), 7);
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(4), ssrc);
        for (int i = 8; i < length; i++)
        {
            buffer[i] = (byte)(i * 13);
        }

        return buffer;
    }

    /// <summary>A test-vector packet in a buffer with <see cref="SrtpContext.MaxOverhead"/> spare bytes.</summary>
    public static byte[] FromHex(string hex, out int length)
    {
        byte[] bytes = Convert.FromHexString(hex);
        length = bytes.Length;
        return [.. bytes, .. new byte[SrtpContext.MaxOverhead]];
    }

    /// <summary>Protects the packet <paramref name="plainHex"/> and checks the result is <paramref name="expectedHex"/>.</summary>
    public static void AssertProtects(SrtpContext context, bool rtcp, string plainHex, string expectedHex)
    {
        byte[] buffer = FromHex(plainHex, out int length);
        int n;
        Assert.True(rtcp ? context.TryProtectRtcp(buffer, length, out n) : context.TryProtectRtp(buffer, length, out n));
        Assert.Equal(expectedHex, Convert.ToHexString(buffer, 0, n).ToLowerInvariant());
    }

    /// <summary>Unprotects <paramref name="protectedHex"/> without a drop and checks the plain packet is <paramref name="expectedHex"/>.</summary>
    public static void AssertUnprotects(SrtpContext context, bool rtcp, string protectedHex, string expectedHex)
    {
        byte[] buffer = FromHex(protectedHex, out int length);
        int n;
        DropReason reason;
        Assert.True(rtcp ? context.TryUnprotectRtcp(buffer, length, out n, out reason) : context.TryUnprotectRtp(buffer, length, out n, out reason));
        Assert.Equal(DropReason.None, reason);
        Assert.Equal(expectedHex, Convert.ToHexString(buffer, 0, n).ToLowerInvariant());
    }
}
