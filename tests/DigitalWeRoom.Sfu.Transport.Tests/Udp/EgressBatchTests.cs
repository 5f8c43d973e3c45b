using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>Batched sends (sendmmsg) and a port served by several SO_REUSEPORT sockets.</summary>
public class EgressBatchTests
{
    private static (UdpEndpoint Endpoint, Socket Sink) NewEndpointAndSink()
    {
        var endpoint = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback, Port = 0 });
        var sink = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 5000 };
        sink.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return (endpoint, sink);
    }

    [Fact]
    public void Scope_HoldsDatagramsUntilItEnds_ThenSendsThemAllInOrder()
    {
        (UdpEndpoint endpoint, Socket sink) = NewEndpointAndSink();
        using var disposeEndpoint = endpoint;
        using var disposeSink = sink;
        var destination = TestEnvironment.LoopbackSocketAddress(sink);

        using (EgressBatch.Enter())
        {
            using (EgressBatch.Enter())
            {
                // Nested scopes share the outer batch; 40 datagrams also exercise a flush of a full batch (32).
                for (int i = 0; i < 40; i++)
                {
                    Assert.True(endpoint.SendTo(new byte[] { (byte)i, 1, 2, 3 }, destination));
                }
            }
            if (EgressBatch.IsSupported)
            {
                Assert.Equal(8, EgressBatch.Current!.Count);
                Assert.Equal(32, endpoint.DatagramsSent);
            }
        }
        Assert.Null(EgressBatch.Current);
        Assert.Equal(40, endpoint.DatagramsSent);
        Assert.Equal(0, endpoint.SendErrors);
        var buffer = new byte[16];
        for (int i = 0; i < 40; i++)
        {
            int n = sink.Receive(buffer);
            Assert.Equal(4, n);
            Assert.Equal((byte)i, buffer[0]);
        }
    }

    [Fact]
    public void Refused_datagram_is_counted_and_the_rest_still_go()
    {
        (UdpEndpoint endpoint, Socket sink) = NewEndpointAndSink();
        using var disposeEndpoint = endpoint;
        using var disposeSink = sink;
        var good = TestEnvironment.LoopbackSocketAddress(sink);
        // An IPv6 destination on an IPv4 socket: the kernel refuses that one message.
        var bad = new IPEndPoint(IPAddress.IPv6Loopback, 9).Serialize();

        using (EgressBatch.Enter())
        {
            endpoint.SendTo(new byte[] { 1 }, good);
            endpoint.SendTo(new byte[] { 2 }, bad);
            endpoint.SendTo(new byte[] { 3 }, good);
        }
        var buffer = new byte[16];
        Assert.Equal(1, sink.Receive(buffer));
        Assert.Equal(1, buffer[0]);
        Assert.Equal(1, sink.Receive(buffer));
        Assert.Equal(3, buffer[0]);
        if (EgressBatch.IsSupported)
        {
            Assert.Equal(1, endpoint.SendErrors);
            Assert.Equal(2, endpoint.DatagramsSent);
        }
    }

    [Fact]
    public void Keeping_thread_reuses_its_own_batch_and_still_sends_at_each_scope_end()
    {
        if (!EgressBatch.IsSupported) return;
        var (endpoint, sink) = NewEndpointAndSink();
        using var _ = endpoint;
        using var __ = sink;
        var destination = TestEnvironment.LoopbackSocketAddress(sink);
        EgressBatch? first = null, second = null;
        int pendingAfterEnd = -1;
        var thread = new Thread(() =>
        {
            EgressBatch.KeepOnThisThread();
            using (EgressBatch.Enter())
            {
                first = EgressBatch.Current;
                endpoint.SendTo([1, 2, 3], destination);
            }
            using (EgressBatch.Enter())
            {
                second = EgressBatch.Current;
                endpoint.SendTo([4, 5], destination);
            }
            pendingAfterEnd = first!.Count;
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)));
        Assert.NotNull(first);
        Assert.Same(first, second); // kept between scopes, not rented from the shared list
        Assert.Equal(0, pendingAfterEnd);
        var buffer = new byte[16];
        Assert.Equal(3, sink.Receive(buffer));
        Assert.Equal(2, sink.Receive(buffer));
        Assert.Equal(2, endpoint.DatagramsSent);
    }

    [Fact]
    public async Task Port_with_two_reuseport_sockets_serves_every_client()
    {
        using var server = new UdpEndpoint(new UdpEndpointOptions
        {
            BindAddress = IPAddress.Loopback,
            Port = 0,
            ReceiveSockets = 2,
            DtlsHandshakeTimeout = TimeSpan.FromSeconds(25),
        }).Start();
        Assert.Equal(OperatingSystem.IsLinux() ? 2 : 1, server.ReceiveSocketCount);
        var clients = new List<IceControllingClient>();
        var serverListeners = new List<RecordingListener>();
        var serverTransports = new List<WebRtcTransport>();
        var clientListeners = new List<RecordingListener>();
        try
        {
            for (int i = 0; i < 8; i++)
            {
                var serverListener = new RecordingListener();
                var transport = server.CreateTransport(new WebRtcTransportOptions
                {
                    RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
                    Listener = serverListener,
                });
                var clientListener = new RecordingListener();
                serverListeners.Add(serverListener);
                serverTransports.Add(transport);
                clientListeners.Add(clientListener);
                clients.Add(TestEnvironment.StartClient(server, transport, clientListener));
            }
            foreach (var client in clients)
            {
                Assert.Equal(WebRtcTransportState.Connected, await client.Settled.WaitAsync(TimeSpan.FromSeconds(30)));
            }
            // The client is connected once it has the server's last flight; the server side finishes (SRTP keys) on
            // its own thread a moment later, and sending before that is refused.
            await TestEnvironment.WaitUntil(() => serverTransports.All(t => t.State == WebRtcTransportState.Connected),
                TimeSpan.FromSeconds(10), "every server transport connected");
            for (int i = 0; i < clients.Count; i++)
            {
                byte[] up = TestPackets.Rtp(3, 1, 40, i);
                Assert.True(clients[i].TrySendRtp(TestPackets.WithHeadroom(up), up.Length));
                byte[] down = TestPackets.Rtp(4, 1, 40, i);
                using (EgressBatch.Enter())
                {
                    Assert.True(serverTransports[i].TrySendRtp(TestPackets.WithHeadroom(down), down.Length));
                }
            }
            await TestEnvironment.WaitUntil(() => serverListeners.All(l => l.RtpCount == 1) && clientListeners.All(l => l.RtpCount == 1),
                TimeSpan.FromSeconds(10), "rtp both ways for every client");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
