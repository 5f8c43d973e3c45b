using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Tests.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>
/// A receive loop reads the datagrams already queued behind the one it processed before it sends what they caused, in
/// one <c>sendmmsg</c>; a datagram that arrives alone is answered at once; the batch is bounded.
/// </summary>
public sealed class ReceiveCoalescingTests
{
    [Fact]
    public void Asks_the_socket_only_while_sends_wait_in_a_small_batch()
    {
        Assert.True(ReceiveCoalescing.WorthAsking(read: 1, pendingSends: 5));
        Assert.False(ReceiveCoalescing.WorthAsking(read: 1, pendingSends: 0));
        Assert.True(ReceiveCoalescing.WorthAsking(read: ReceiveCoalescing.MaxDatagrams - 1, pendingSends: 1));
        Assert.False(ReceiveCoalescing.WorthAsking(read: ReceiveCoalescing.MaxDatagrams, pendingSends: 1));
        Assert.True(ReceiveCoalescing.WorthAsking(read: 2, pendingSends: ReceiveCoalescing.MaxPendingSends - 1));
        Assert.False(ReceiveCoalescing.WorthAsking(read: 2, pendingSends: ReceiveCoalescing.MaxPendingSends));
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(ReceiveCoalescing.MaxDatagrams * 3, 3)]
    public void Datagrams_queued_before_the_loop_reads_are_answered_in_bounded_send_calls_and_a_lone_one_at_once(int queued, int calls)
    {
        if (!OperatingSystem.IsLinux() || !EgressBatch.IsSupported)
        {
            return;
        }
        // DWR_RECEIVE_COALESCING=0 in the environment: every datagram is answered in its own send call.
        if (!ReceiveCoalescing.Enabled) calls = queued;
        using var server = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback, Port = 0, ReceiveSockets = 1 });
        using Socket client = RawIceChecks.Candidate();
        for (int i = 0; i < queued; i++)
        {
            client.SendTo(RawIceChecks.PlainBindingRequest(), server.LocalEndPoint);
        }
        // Loopback delivers at once: all of them wait in the socket before its loop starts.
        Assert.True(server.PrimarySocket.Available > 0);
        server.Start();
        for (int i = 0; i < queued; i++)
        {
            AssertBindingSuccess(client);
        }
        Assert.Equal(calls, SendCallsOnceSent(server, queued));

        // One more, alone: its answer does not wait for another datagram.
        client.SendTo(RawIceChecks.PlainBindingRequest(), server.LocalEndPoint);
        AssertBindingSuccess(client);
        Assert.Equal(calls + 1, SendCallsOnceSent(server, queued + 1));
    }

    /// <summary>The send calls counted once the loop has counted <paramref name="datagrams"/> sent (the client may read an answer first).</summary>
    private static long SendCallsOnceSent(UdpEndpoint server, int datagrams)
    {
        Assert.True(SpinWait.SpinUntil(() => server.DatagramsSent == datagrams, TimeSpan.FromSeconds(5)));
        // The call is counted right after its datagrams, on the loop's thread.
        SpinWait.SpinUntil(() => false, TimeSpan.FromMilliseconds(50));
        return server.SendCalls;
    }

    private static void AssertBindingSuccess(Socket client)
    {
        var buffer = new byte[1500];
        int length = client.Receive(buffer);
        Assert.True(StunMessage.TryParse(buffer.AsSpan(0, length), out StunMessage message, out _));
        Assert.Equal(StunMessageType.BindingSuccessResponse, message.Type);
    }
}
