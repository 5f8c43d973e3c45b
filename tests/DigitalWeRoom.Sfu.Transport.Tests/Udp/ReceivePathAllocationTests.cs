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
        const int WarmUp = 1000, Measured = 10_000;
        var wire = new byte[WarmUp + Measured][];
        var clientSrtp = client.Transport.LocalSrtp!;
        for (int i = 0; i < wire.Length; i++)
        {
            bool rtcp = i % 10 == 9;
            wire[i] = TestEnvironment.Protect(clientSrtp, rtcp ? TestPackets.RtcpApp(77, 8, i) : TestPackets.Rtp(77, (ushort)(i + 1), 1000, i), rtcp);
        }
        SocketAddress from = client.Endpoint.LocalEndPoint.Serialize();

        for (int i = 0; i < WarmUp; i++)
        {
            Process(server, wire[i], from);
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
