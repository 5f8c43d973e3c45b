using System.Net;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>
/// 100,000 truncated / bit-flipped SRTP and SRTCP datagrams from a validated tuple: nothing throws,
/// and each one is either delivered (authenticated) or dropped with a counted reason.
/// </summary>
public class ReceivePathRobustnessTests
{
    [Fact]
    public async Task Mutated_SRTP_and_SRTCP_are_delivered_or_dropped_with_a_reason_and_never_throw()
    {
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback);
        var serverListener = new RecordingListener { Record = false };
        var (transport, client) = await TestEnvironment.ConnectAsync(server, serverListener);
        using var clientScope = client;

        var srtp = client.Transport.LocalSrtp!;
        var originals = new List<byte[]>();
        for (int i = 0; i < 64; i++)
        {
            bool rtcp = i % 4 == 3;
            originals.Add(TestEnvironment.Protect(srtp, rtcp ? TestPackets.RtcpApp(5, 3 + (i % 5), i) : TestPackets.Rtp(5, (ushort)(i + 1), 20 + (i * 7), i), rtcp));
        }

        SocketAddress from = client.Endpoint.LocalEndPoint.Serialize();
        var random = new Random(20261124);
        const int Variants = 100_000;
        long droppedBefore = transport.Drops.Total + server.Drops.Total;
        long deliveredBefore = serverListener.RtpCount + serverListener.RtcpCount;
        for (int n = 0; n < Variants; n++)
        {
            byte[] original = originals[random.Next(originals.Count)];
            PooledPacket packet = server.Pool.Rent();
            int length = original.Length;
            original.CopyTo(packet.Buffer, 0);
            switch (random.Next(3))
            {
                case 0:
                    length = random.Next(0, original.Length + 1);
                    break;
                case 1:
                    for (int flips = random.Next(1, 4); flips > 0; flips--)
                    {
                        packet.Buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
                    }
                    break;
                default:
                    // Unchanged: a replay of an already delivered packet.
                    break;
            }
            if (length > 0)
            {
                packet.Buffer[0] = (byte)(0x80 | (packet.Buffer[0] & 0x3F)); // stay in the RTP/RTCP range
            }
            packet.Length = length;
            server.ProcessDatagram(packet, from);
            packet.Release();
        }
        long dropped = transport.Drops.Total + server.Drops.Total - droppedBefore;
        long delivered = serverListener.RtpCount + serverListener.RtcpCount - deliveredBefore;
        Assert.Equal(Variants, dropped + delivered);
        Assert.True(delivered <= originals.Count, $"only first copies of originals may authenticate, got {delivered}");
        Assert.Equal(1, server.Pool.Outstanding); // the receive loop's own packet
    }
}
