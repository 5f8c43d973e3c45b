using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

public sealed class SrtpContextRoundTripTests
{
    private const uint Ssrc = 0x11223344;

    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public void Rtp_round_trip_across_roc_rollover(string profileName, string backendName)
    {
        SrtpProtectionProfile profile = SrtpTestData.Profile(profileName);
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext sender = SrtpTestData.Context(profile, backend);
        using SrtpContext receiver = SrtpTestData.Context(profile, backend);

        // 65530..65535 with ROC 0, then 0..5 with ROC 1 (RFC 3711 §3.3.1).
        for (int i = 0; i < 12; i++)
        {
            ushort seq = (ushort)(65530 + i);
            byte[] buffer = SrtpTestData.Rtp(Ssrc, seq, 1200, out int length, withExtension: i % 2 == 0);
            byte[] plain = buffer[..length];
            Assert.True(sender.TryProtectRtp(buffer, length, out int protectedLength));
            Assert.Equal(length + SrtpProfileInfo.RtpAuthTagLength(profile), protectedLength);
            Assert.NotEqual(plain, buffer[..length]);

            Assert.True(receiver.TryUnprotectRtp(buffer, protectedLength, out int plainLength, out DropReason reason), $"seq {seq}");
            Assert.Equal(DropReason.None, reason);
            Assert.Equal(plain, buffer[..plainLength]);
        }
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public void Rollover_counter_is_really_in_the_crypto(string profileName, string backendName)
    {
        SrtpProtectionProfile profile = SrtpTestData.Profile(profileName);
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext sender = SrtpTestData.Context(profile, backend);
        byte[] last = [];
        int lastLength = 0;
        for (int i = 0; i < 8; i++)
        {
            last = SrtpTestData.Rtp(Ssrc, (ushort)(65533 + i), 100, out int length);
            Assert.True(sender.TryProtectRtp(last, length, out lastLength));
        }

        // seq 4 was sent with ROC 1; a receiver that has seen nothing assumes ROC 0 and must fail.
        using SrtpContext fresh = SrtpTestData.Context(profile, backend);
        Assert.False(fresh.TryUnprotectRtp(last, lastLength, out _, out DropReason reason));
        Assert.Equal(DropReason.SrtpAuthFailed, reason);
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public void Reordering_across_the_wrap_in_both_directions(string profileName, string backendName)
    {
        SrtpProtectionProfile profile = SrtpTestData.Profile(profileName);
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext sender = SrtpTestData.Context(profile, backend);
        using SrtpContext receiver = SrtpTestData.Context(profile, backend);
        var sent = new Dictionary<ushort, (byte[] Buffer, int Length, byte[] Plain)>();
        foreach (ushort seq in new ushort[] { 65532, 65533, 65534, 65535, 0, 1, 2 })
        {
            byte[] buffer = SrtpTestData.Rtp(Ssrc, seq, 50, out int length);
            byte[] plain = buffer[..length];
            Assert.True(sender.TryProtectRtp(buffer, length, out int n));
            sent[seq] = (buffer, n, plain);
        }

        // Arrival order: a ROC 1 packet before late ROC 0 ones (guess ROC-1), and back (guess ROC+1).
        foreach (ushort seq in new ushort[] { 65532, 1, 65534, 0, 65533, 2, 65535 })
        {
            (byte[] buffer, int n, byte[] plain) = sent[seq];
            Assert.True(receiver.TryUnprotectRtp(buffer, n, out int plainLength, out _), $"seq {seq}");
            Assert.Equal(plain, buffer[..plainLength]);
        }
    }

    [Theory]
    [MemberData(nameof(SrtpTestData.ProfileBackendData), MemberType = typeof(SrtpTestData))]
    public void Rtcp_round_trip_with_increasing_index(string profileName, string backendName)
    {
        SrtpProtectionProfile profile = SrtpTestData.Profile(profileName);
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext sender = SrtpTestData.Context(profile, backend);
        using SrtpContext receiver = SrtpTestData.Context(profile, backend);
        for (int i = 0; i < 5; i++)
        {
            byte[] buffer = SrtpTestData.Rtcp(Ssrc, out int length);
            byte[] plain = buffer[..length];
            Assert.True(sender.TryProtectRtcp(buffer, length, out int protectedLength));
            Assert.Equal(length + SrtpProfileInfo.RtcpOverhead(profile), protectedLength);
            int indexOffset = profile == SrtpProtectionProfile.AeadAes128Gcm ? protectedLength - 4 : protectedLength - 14;
            Assert.Equal(0x80000000u | (uint)i, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(indexOffset)));

            Assert.True(receiver.TryUnprotectRtcp(buffer, protectedLength, out int plainLength, out DropReason reason));
            Assert.Equal(DropReason.None, reason);
            Assert.Equal(plain, buffer[..plainLength]);
        }
    }

    [Theory]
    [InlineData("Aes128CmHmacSha1_80")]
    [InlineData("AeadAes128Gcm")]
    public void Native_and_managed_paths_interoperate(string profileName)
    {
        SrtpProtectionProfile profile = SrtpTestData.Profile(profileName);
        foreach ((SrtpCryptoBackend from, SrtpCryptoBackend to) in new[]
        {
            (SrtpCryptoBackend.Native, SrtpCryptoBackend.Managed),
            (SrtpCryptoBackend.Managed, SrtpCryptoBackend.Native),
        })
        {
            using SrtpContext sender = SrtpTestData.Context(profile, from);
            using SrtpContext receiver = SrtpTestData.Context(profile, to);
            for (int i = 0; i < 4; i++)
            {
                byte[] rtp = SrtpTestData.Rtp(Ssrc, (ushort)(65534 + i), 1000 + i, out int length);
                byte[] plain = rtp[..length];
                Assert.True(sender.TryProtectRtp(rtp, length, out int n));
                Assert.True(receiver.TryUnprotectRtp(rtp, n, out int plainLength, out _), $"{from}->{to} rtp {i}");
                Assert.Equal(plain, rtp[..plainLength]);

                byte[] rtcp = SrtpTestData.Rtcp(Ssrc, out length);
                plain = rtcp[..length];
                Assert.True(sender.TryProtectRtcp(rtcp, length, out n));
                Assert.True(receiver.TryUnprotectRtcp(rtcp, n, out plainLength, out _), $"{from}->{to} rtcp {i}");
                Assert.Equal(plain, rtcp[..plainLength]);
            }
        }
    }

    [Theory]
    [InlineData("Aes128CmHmacSha1_80", true)]
    [InlineData("Aes128CmHmacSha1_80", false)]
    [InlineData("AeadAes128Gcm", true)]
    [InlineData("AeadAes128Gcm", false)]
    public void Dtls_keying_material_pairs_client_and_server(string profileName, bool clientIsLocal)
    {
        SrtpProtectionProfile profile = SrtpTestData.Profile(profileName);
        byte[] material = new byte[SrtpContext.KeyingMaterialLength(profile)];
        for (int i = 0; i < material.Length; i++)
        {
            material[i] = (byte)(i * 31 + 7);
        }

        (SrtpContext local, SrtpContext remote) = SrtpContext.FromDtlsKeyingMaterial(profile, material, clientIsLocal);
        (SrtpContext peerLocal, SrtpContext peerRemote) = SrtpContext.FromDtlsKeyingMaterial(profile, material, !clientIsLocal);
        using (local)
        using (remote)
        using (peerLocal)
        using (peerRemote)
        {
            // What we protect with our local keys the peer unprotects with its remote keys, and vice versa.
            AssertPair(local, peerRemote);
            AssertPair(peerLocal, remote);

            // Our own inbound keys are not our outbound keys.
            byte[] rtp = SrtpTestData.Rtp(Ssrc, 9, 100, out int length);
            Assert.True(local.TryProtectRtp(rtp, length, out int n));
            Assert.False(remote.TryUnprotectRtp(rtp, n, out _, out DropReason reason));
            Assert.Equal(DropReason.SrtpAuthFailed, reason);
        }

        // RFC 5764 §4.2: the client's key is first in the material.
        int k = SrtpProfileInfo.KeyLength(profile);
        int s = SrtpProfileInfo.SaltLength(profile);
        using SrtpContext client = SrtpContext.Create(profile, material.AsSpan(0, k), material.AsSpan(2 * k, s));
        (SrtpContext l, SrtpContext r) = SrtpContext.FromDtlsKeyingMaterial(profile, material, localIsDtlsClient: false);
        using (l)
        using (r)
        {
            AssertPair(client, r);
        }
    }

    private static void AssertPair(SrtpContext protector, SrtpContext unprotector)
    {
        byte[] rtp = SrtpTestData.Rtp(Ssrc, 7, 100, out int length);
        byte[] plain = rtp[..length];
        Assert.True(protector.TryProtectRtp(rtp, length, out int n));
        Assert.True(unprotector.TryUnprotectRtp(rtp, n, out int plainLength, out _));
        Assert.Equal(plain, rtp[..plainLength]);
    }
}
