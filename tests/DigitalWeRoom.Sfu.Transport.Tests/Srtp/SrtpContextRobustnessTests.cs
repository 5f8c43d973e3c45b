using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

/// <summary>
/// Unprotect is total: 100,000 random, truncated and bit-flipped variants of valid SRTP/SRTCP packets never
/// throw, and every rejection carries a drop reason.
/// </summary>
public sealed class SrtpContextRobustnessTests
{
    private const int Iterations = 100_000;

    [Theory]
    [InlineData("Aes128CmHmacSha1_80", "Native")]
    [InlineData("AeadAes128Gcm", "Native")]
    [InlineData("Aes128CmHmacSha1_80", "Managed")]
    [InlineData("AeadAes128Gcm", "Managed")]
    public void Mutated_inputs_never_throw_and_always_have_a_reason(string profileName, string backendName)
    {
        SrtpProtectionProfile profile = SrtpTestData.Profile(profileName);
        SrtpCryptoBackend backend = SrtpTestData.Backend(backendName);
        using SrtpContext sender = SrtpTestData.Context(profile, backend);
        using SrtpContext receiver = SrtpTestData.Context(profile, backend);
        var random = new Random(7714);

        var seeds = new List<(byte[] Packet, bool Rtcp)>();
        for (int i = 0; i < 16; i++)
        {
            byte[] rtp = SrtpTestData.Rtp(0x1000u + (uint)(i % 4), (ushort)(65500 + i * 7), random.Next(0, 1200), out int length, withExtension: i % 3 == 0);
            Assert.True(sender.TryProtectRtp(rtp, length, out int n));
            seeds.Add((rtp[..n], false));

            byte[] rtcp = SrtpTestData.Rtcp(0x2000u + (uint)(i % 4), out length);
            Assert.True(sender.TryProtectRtcp(rtcp, length, out n));
            seeds.Add((rtcp[..n], true));
        }

        var buffer = new byte[1500 + SrtpContext.MaxOverhead];
        int accepted = 0;
        for (int iteration = 0; iteration < Iterations; iteration++)
        {
            (byte[] seed, bool rtcp) = seeds[random.Next(seeds.Count)];
            int length = Mutate(random, seed, buffer);

            bool ok = rtcp
                ? receiver.TryUnprotectRtcp(buffer, length, out int plainLength, out DropReason reason)
                : receiver.TryUnprotectRtp(buffer, length, out plainLength, out reason);
            if (ok)
            {
                accepted++;
                Assert.Equal(DropReason.None, reason);
                Assert.InRange(plainLength, 0, length);
            }
            else
            {
                Assert.NotEqual(DropReason.None, reason);
            }
        }

        // Only unmodified packets can pass, and each at most once (replay protection).
        Assert.InRange(accepted, 1, seeds.Count);
    }

    /// <summary>Copies <paramref name="seed"/> into <paramref name="buffer"/> and damages it in one of several ways.</summary>
    private static int Mutate(Random random, byte[] seed, byte[] buffer)
    {
        seed.CopyTo(buffer, 0);
        int length = seed.Length;
        switch (random.Next(6))
        {
            case 0: // Unmodified: replays after the first time.
                break;
            case 1: // Truncated anywhere.
                length = random.Next(0, seed.Length);
                break;
            case 2: // One to eight bit flips.
                for (int i = random.Next(1, 9); i > 0; i--)
                {
                    buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                }

                break;
            case 3: // Fully random bytes of random length, with a valid-looking version sometimes.
                length = random.Next(0, buffer.Length);
                random.NextBytes(buffer.AsSpan(0, length));
                if (length > 0 && random.Next(2) == 0)
                {
                    buffer[0] = (byte)(0x80 | (buffer[0] & 0x3F));
                }

                break;
            case 4: // Header fields garbled (CC, X bit, extension length, SSRC, seq).
                buffer[random.Next(Math.Min(length, 20))] = (byte)random.Next(256);
                break;
            default: // Extended with garbage.
                int extra = random.Next(1, buffer.Length - length + 1);
                random.NextBytes(buffer.AsSpan(length, extra));
                length += extra;
                break;
        }

        return length;
    }
}
