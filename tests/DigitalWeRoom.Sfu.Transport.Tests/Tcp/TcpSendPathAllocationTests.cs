using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Tcp;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Tcp;

/// <summary>The ICE-TCP send path (SRTP protect → RFC 4571 frame → send) allocates nothing and batches inside a scope.</summary>
public class TcpSendPathAllocationTests
{
    [Fact]
    public async Task Ten_thousand_SRTP_packets_to_an_ICE_TCP_peer_allocate_zero_bytes_and_leave_in_batches()
    {
        using var server = new TcpTestServer();
        var (transport, client, _, clientListener) = await server.ConnectTcpAsync();
        using var _ = client;
        clientListener.Record = false;
        TcpFrameWriter writer = Assert.Single(server.Tcp.Connections).Writer;

        const int WarmUp = 4000, Measured = 10_000, PerScope = 16;
        byte[] plain = TestPackets.Rtp(5, 0, 1000, 1);
        byte[] buffer = new byte[plain.Length + PooledPacket.Headroom];
        long callsBefore = 0;
        long before = 0;
        for (int i = 0; i < WarmUp + Measured; i += PerScope)
        {
            if (i == WarmUp)
            {
                callsBefore = writer.SendCalls;
                before = GC.GetAllocatedBytesForCurrentThread();
            }
            using (EgressBatch.Enter())
            {
                for (int j = 0; j < PerScope; j++)
                {
                    plain.CopyTo(buffer, 0);
                    buffer[2] = (byte)((i + j) >> 8);
                    buffer[3] = (byte)(i + j);
                    Assert.True(transport.TrySendRtp(buffer, plain.Length));
                }
            }
            // Keep within what the kernel takes at once, so no asynchronous drain starts (it would be the only allocation).
            var spin = new SpinWait();
            while (clientListener.RtpCount < i + PerScope - 256 || writer.Buffered > 0)
            {
                spin.SpinOnce();
            }
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long calls = writer.SendCalls - callsBefore;

        Assert.True(allocated == 0, $"{allocated} B allocated, {writer.Drains} drains, {calls} send calls");
        Assert.Equal(Measured / PerScope, calls);
        var spinEnd = DateTime.UtcNow.AddSeconds(10);
        while (clientListener.RtpCount < WarmUp + Measured && DateTime.UtcNow < spinEnd)
        {
            await Task.Delay(10);
        }
        Assert.Equal(WarmUp + Measured, clientListener.RtpCount);
        Assert.Equal(0, writer.FramesDropped);
    }
}
