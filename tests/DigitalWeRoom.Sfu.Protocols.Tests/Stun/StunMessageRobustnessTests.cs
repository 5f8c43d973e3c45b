using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Protocols.Stun;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Stun;

/// <summary>Random, truncated and bit-flipped datagrams: never an exception, always a reason on rejection.</summary>
public sealed class StunMessageRobustnessTests
{
    [Fact]
    public void MutatedDatagrams_NeverThrow_AndRejectionsHaveReason()
    {
        byte[][] seeds = [Rfc5769Vectors.Request, Rfc5769Vectors.IPv4Response, Rfc5769Vectors.IPv6Response, Rfc5769Vectors.LongTermRequest];
        var random = new Random(5769);
        var socketAddress = new SocketAddress(AddressFamily.InterNetworkV6);
        Span<ushort> unknown = stackalloc ushort[8];
        int accepted = 0, rejected = 0;
        const int Iterations = 120_000;
        for (int i = 0; i < Iterations; i++)
        {
            byte[] seed = seeds[i % seeds.Length];
            byte[] datagram = (i % 5) switch
            {
                0 => RandomBytes(random, random.Next(0, 120)),
                1 => seed.AsSpan(0, random.Next(0, seed.Length)).ToArray(),
                2 => FlipBits(random, seed, 1 + random.Next(4)),
                3 => FlipBits(random, seed, 1) is var flipped && random.Next(2) == 0 ? flipped : KeepLength(flipped, random),
                _ => RandomBody(random, seed),
            };

            if (StunMessage.TryParse(datagram, out StunMessage m, out DropReason reason))
            {
                accepted++;
                Assert.Equal(DropReason.None, reason);
                m.TryGetUsername(out _);
                m.TryGetPriority(out _);
                _ = m.HasUseCandidate;
                m.TryGetIceControlled(out _);
                m.TryGetIceControlling(out _);
                m.TryGetXorMappedAddress(out IPEndPoint? _);
                m.TryGetXorMappedAddress(socketAddress);
                m.TryGetErrorCode(out _, out _);
                m.VerifyMessageIntegrity("key"u8);
                m.VerifyMessageIntegritySha256("key"u8);
                m.GetUnknownComprehensionRequired(unknown);
                foreach (StunAttribute attribute in m)
                {
                    Assert.True(attribute.Value.Length <= datagram.Length);
                }
            }
            else
            {
                rejected++;
                Assert.NotEqual(DropReason.None, reason);
            }
        }
        Assert.Equal(Iterations, accepted + rejected);
        Assert.True(accepted > 1000, $"only {accepted} accepted: the mutations are not exercising the getters");
        Assert.True(rejected > 1000);
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        byte[] bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static byte[] FlipBits(Random random, byte[] seed, int flips)
    {
        byte[] copy = (byte[])seed.Clone();
        for (int k = 0; k < flips; k++)
        {
            // Bias the flips to after the header so attribute walking is exercised.
            int at = random.Next(2) == 0 ? random.Next(copy.Length) : 20 + random.Next(copy.Length - 20);
            copy[at] ^= (byte)(1 << random.Next(8));
        }
        return copy;
    }

    /// <summary>Keeps the header valid and only breaks attribute TLVs: strips the FINGERPRINT so flips are not caught by it.</summary>
    private static byte[] KeepLength(byte[] flipped, Random random)
    {
        int cut = flipped.Length - 8;
        byte[] copy = flipped.AsSpan(0, cut).ToArray();
        copy[0] &= 0x3F;
        copy[2] = (byte)((cut - 20) >> 8);
        copy[3] = (byte)(cut - 20);
        copy[4] = 0x21; copy[5] = 0x12; copy[6] = 0xA4; copy[7] = 0x42;
        copy[20 + random.Next(cut - 20)] ^= (byte)(1 << random.Next(8));
        return copy;
    }

    /// <summary>Valid header and transaction id, random TLV soup of a valid length.</summary>
    private static byte[] RandomBody(Random random, byte[] seed)
    {
        int body = 4 * random.Next(0, 30);
        byte[] datagram = new byte[20 + body];
        seed.AsSpan(0, 20).CopyTo(datagram);
        datagram[2] = (byte)(body >> 8);
        datagram[3] = (byte)body;
        random.NextBytes(datagram.AsSpan(20));
        // Make some attribute headers plausible: small lengths and known types.
        for (int at = 20; at + 4 <= datagram.Length; at += 4 + ((datagram[at + 3] + 3) & ~3))
        {
            datagram[at] = random.Next(3) == 0 ? (byte)0x80 : (byte)0x00;
            datagram[at + 1] = (byte)(random.Next(2) == 0 ? random.Next(0x30) : 0x28);
            datagram[at + 2] = 0;
            datagram[at + 3] = (byte)random.Next(0, 24);
        }
        return datagram;
    }
}
