using System.Net;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>The receive path (classify → tuple lookup → SRTP unprotect → listener) allocates nothing.</summary>
public class ReceivePathAllocationTests
{
    [Fact]
    public async Task Ten_thousand_SRTP_and_SRTCP_packets_through_ProcessDatagram_allocate_zero_bytes()
    {
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback);
        var serverListener = new RecordingListener { Record = false };
        var (transport, client) = await TestEnvironment.ConnectAsync(server, serverListener);
        using var clientScope = client;

        // Protect with the client's outbound context, as if the client had sent them.
        // Warm-up in rounds with pauses until one allocates nothing: tiered JIT counts calls and installs optimized
        // code after a delay, and a promotion that lands inside the measured loop shows up as a few bytes once
        // (5,960 B in one CI run when the warm-up was a single round of 1,000).
        const int WarmUpRound = 1000, WarmUpRounds = 8, Measured = 10_000;
        const int WarmUp = WarmUpRound * WarmUpRounds;
        var wire = new byte[WarmUp + Measured][];
        var clientSrtp = client.Transport.LocalSrtp!;
        for (int i = 0; i < wire.Length; i++)
        {
            bool rtcp = i % 10 == 9;
            wire[i] = TestEnvironment.Protect(clientSrtp, rtcp ? TestPackets.RtcpApp(77, 8, i) : TestPackets.Rtp(77, (ushort)(i + 1), 1000, i), rtcp);
        }
        SocketAddress from = client.Endpoint.LocalEndPoint.Serialize();

        for (int round = 0; round < WarmUpRounds; round++)
        {
            long roundStart = GC.GetAllocatedBytesForCurrentThread();
            for (int i = round * WarmUpRound; i < (round + 1) * WarmUpRound; i++)
            {
                Process(server, wire[i], from);
            }
            if (round >= 1 && GC.GetAllocatedBytesForCurrentThread() == roundStart)
            {
                // The rest of the warm-up packets at once: every packet is delivered (the counts asserted below).
                for (int i = (round + 1) * WarmUpRound; i < WarmUp; i++)
                {
                    Process(server, wire[i], from);
                }
                break;
            }
            Thread.Sleep(150);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = WarmUp; i < wire.Length; i++)
        {
            Process(server, wire[i], from);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(wire.Length, serverListener.RtpCount + serverListener.RtcpCount);
        Assert.Equal(wire.Length / 10, serverListener.RtcpCount);
        Assert.Equal(0, transport.Drops.Total);
    }

    private static void Process(UdpEndpoint server, byte[] datagram, SocketAddress from)
    {
        PooledPacket packet = server.Pool.Rent();
        datagram.CopyTo(packet.Buffer, 0);
        packet.Length = datagram.Length;
        server.ProcessDatagram(packet, from);
        packet.Release();
    }
}
