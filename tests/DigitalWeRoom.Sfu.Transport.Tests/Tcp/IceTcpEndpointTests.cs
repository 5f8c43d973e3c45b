using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Transport.Tcp;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Tcp;

/// <summary>ICE-TCP (RFC 6544, passive) on the shared directory of transports, and its defences against hostile input.</summary>
public class IceTcpEndpointTests
{
    private static async Task WaitUntil(Func<bool> condition, string what, int seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(20);
        }
    }

    private static async Task ExchangeAsync(WebRtcTransport server, IceTcpTestClient client, RecordingListener serverListener,
        RecordingListener clientListener, int count, ushort firstSequence)
    {
        long serverBefore = serverListener.RtpCount, clientBefore = clientListener.RtpCount;
        for (int i = 0; i < count; i++)
        {
            byte[] down = TestPackets.WithHeadroom(TestPackets.Rtp(1, (ushort)(firstSequence + i), 900, i));
            Assert.True(server.TrySendRtp(down, down.Length - PooledPacket.Headroom));
            byte[] up = TestPackets.WithHeadroom(TestPackets.Rtp(2, (ushort)(firstSequence + i), 900, i));
            Assert.True(client.Transport.TrySendRtp(up, up.Length - PooledPacket.Headroom));
        }
        await WaitUntil(() => serverListener.RtpCount - serverBefore == count && clientListener.RtpCount - clientBefore == count,
            $"{count} RTP packets each way (server got {serverListener.RtpCount - serverBefore}, client {clientListener.RtpCount - clientBefore})");
    }

    [Fact]
    public async Task A_session_runs_ICE_DTLS_and_SRTP_over_one_TCP_connection_with_passive_candidates_below_UDP()
    {
        using var server = new TcpTestServer();
        var (transport, client, serverListener, clientListener) = await server.ConnectTcpAsync();
        using var _ = client;

        Assert.True(transport.IsSelectedTcp);
        Assert.True(transport.SelectedTuple!.Value.IsTcp);
        Assert.Equal(client.LocalEndPoint.Port, transport.SelectedTuple.Value.Port);
        await ExchangeAsync(transport, client, serverListener, clientListener, 200, 1);
        Assert.Equal(TestPackets.Rtp(2, 1, 900, 0), serverListener.Rtp.First());

        var udp = Assert.Single(server.Directory.LocalCandidates, c => !c.IsTcp);
        var tcp = Assert.Single(server.Directory.LocalCandidates, c => c.IsTcp);
        Assert.True(tcp.Priority < udp.Priority);
        Assert.NotEqual(udp.Foundation, tcp.Foundation);
        Assert.Equal($"candidate:{tcp.Foundation} 1 tcp {tcp.Priority} 127.0.0.1 {server.Tcp.Port} typ host tcptype passive", tcp.ToSdpValue());
        Assert.Equal(1, server.Tcp.ConnectionsValidated);
        Assert.Equal(0, transport.Drops.Total);
    }

    [Fact]
    public async Task A_TCP_tuple_never_validates_UDP_from_the_same_address_and_port()
    {
        using var server = new TcpTestServer();
        var (transport, client, _, _) = await server.ConnectTcpAsync();
        using var __ = client;

        var udpTwin = TransportTuple.From(client.LocalEndPoint);
        Assert.False(server.Directory.TryGetTransportByTuple(udpTwin, out _));
        Assert.True(server.Directory.TryGetTransportByTuple(udpTwin with { IsTcp = true }, out var owner));
        Assert.Same(transport, owner);
    }

    [Fact]
    public async Task Garbage_before_STUN_closes_the_connection_and_is_counted_while_a_running_session_loses_nothing()
    {
        using var server = new TcpTestServer();
        var (transport, client, serverListener, clientListener) = await server.ConnectTcpAsync();
        using var _ = client;

        // An HTTP request (its first two bytes read as a 18245-byte frame), a framed RTP packet, a framed DTLS record.
        using (var http = Connect(server))
        {
            http.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8);
            await WaitUntil(() => server.Tcp.Closed(TcpCloseReason.Oversize) == 1, "the HTTP request is refused");
        }
        using (var rtp = Connect(server))
        {
            byte[] packet = TestPackets.Rtp(9, 1, 100, 1);
            rtp.Send([(byte)(packet.Length >> 8), (byte)packet.Length, .. packet]);
            await WaitUntil(() => server.Tcp.Closed(TcpCloseReason.Garbage) == 1, "RTP before STUN is refused");
            Assert.Equal(0, rtp.Receive(new byte[16]));
        }
        using (var dtls = Connect(server))
        {
            dtls.Send([0, 13, 22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            await WaitUntil(() => server.Tcp.Closed(TcpCloseReason.Garbage) == 2, "DTLS before STUN is refused");
        }

        Assert.Equal(1, server.Tcp.ConnectionCount);
        await ExchangeAsync(transport, client, serverListener, clientListener, 100, 1000);
    }

    [Fact]
    public async Task A_check_with_a_wrong_password_gets_401_and_never_admits_DTLS()
    {
        using var server = new TcpTestServer();
        var listener = new RecordingListener();
        WebRtcTransport transport = server.CreateTransport(listener);
        using var client = new IceTcpTestClient(server.Tcp.LocalEndPoint, transport, new RecordingListener());

        client.SendCheck(password: "not the password"u8.ToArray());
        await WaitUntil(() => server.Tcp.Drops.Get(DropReason.StunBadMessageIntegrity) == 1, "the bad check is counted");

        Assert.Null(transport.SelectedTuple);
        Assert.Equal(0, server.Tcp.ConnectionsValidated);
        Assert.Equal(0, client.StunResponses);
    }

    [Fact]
    public async Task After_validation_an_oversize_frame_is_dropped_and_counted_and_the_session_goes_on()
    {
        using var server = new TcpTestServer();
        var (transport, client, serverListener, clientListener) = await server.ConnectTcpAsync();
        using var _ = client;

        client.SendRaw([0x10, 0x00, .. new byte[0x1000]]);
        await WaitUntil(() => server.Tcp.Drops.Get(DropReason.TooLarge) == 1, "the 4096-byte frame is dropped");

        await ExchangeAsync(transport, client, serverListener, clientListener, 100, 2000);
        Assert.Equal(1, server.Tcp.ConnectionCount);
    }

    [Fact]
    public async Task Half_open_slow_and_idle_connections_are_closed_at_the_ICE_deadline_and_a_running_session_stays()
    {
        using var server = new TcpTestServer(new IceTcpEndpointOptions
        {
            BindAddress = IPAddress.Loopback,
            IceTimeout = TimeSpan.FromSeconds(1),
            SweepInterval = TimeSpan.FromMilliseconds(100),
        });
        var (transport, client, serverListener, clientListener) = await server.ConnectTcpAsync();
        using var _ = client;

        using var idle = Connect(server);
        using var slow = Connect(server);
        slow.Send([0x00]); // half a length prefix
        await Task.Delay(300);
        slow.Send([0x14, 0x00, 0x01]); // a STUN header trickling in
        await WaitUntil(() => server.Tcp.Closed(TcpCloseReason.IceTimeout) == 2, "both are closed at the ICE deadline", 5);

        Assert.Equal(1, server.Tcp.ConnectionCount);
        client.SendCheck(); // consent keeps the validated connection
        await ExchangeAsync(transport, client, serverListener, clientListener, 100, 3000);
    }

    [Fact]
    public async Task A_thousand_idle_connections_are_capped_refused_and_timed_out_and_a_running_session_loses_nothing()
    {
        using var server = new TcpTestServer(new IceTcpEndpointOptions
        {
            BindAddress = IPAddress.Loopback,
            MaxConnections = 200,
            MaxConnectionsPerAddress = 16,
            IceTimeout = TimeSpan.FromSeconds(2),
            SweepInterval = TimeSpan.FromMilliseconds(100),
        });
        var (transport, client, serverListener, clientListener) = await server.ConnectTcpAsync();
        using var _ = client;

        // 1,000 connections from 50 loopback addresses (20 each): over the per-address cap and over the total cap.
        var sockets = new List<Socket>();
        int failedConnects = 0;
        try
        {
            for (int i = 0; i < 1000; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Parse($"127.0.1.{(i % 50) + 1}"), 0));
                sockets.Add(socket);
                try
                {
                    await socket.ConnectAsync(server.Tcp.LocalEndPoint);
                }
                catch (SocketException)
                {
                    // Refused ones are reset; the reset may overtake the handshake's completion.
                    failedConnects++;
                }
            }
            await WaitUntil(() => server.Tcp.ConnectionsAccepted + server.Tcp.Closed(TcpCloseReason.Refused) == 1001, "every connection is accepted or refused");

            // On a loaded machine the loop may outlast the ICE timeout: an idle connection that timed out meanwhile
            // frees its slot for a later one, so the cap bounds the live connections, not the accepted ones.
            long accepted = server.Tcp.ConnectionsAccepted;
            long timedOutMeanwhile = server.Tcp.Closed(TcpCloseReason.IceTimeout);
            Assert.InRange(accepted, 200, 200 + timedOutMeanwhile);
            Assert.Equal(1001 - accepted, server.Tcp.Closed(TcpCloseReason.Refused));
            Assert.True(failedConnects <= 1001 - accepted);
            Assert.True(server.Tcp.ConnectionCount <= 200);
            await ExchangeAsync(transport, client, serverListener, clientListener, 300, 4000);

            await WaitUntil(() => server.Tcp.Closed(TcpCloseReason.IceTimeout) == accepted - 1, "the idle ones time out", 10);
            Assert.Equal(1, server.Tcp.ConnectionCount);
            client.SendCheck();
            await ExchangeAsync(transport, client, serverListener, clientListener, 100, 5000);
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Closing_the_transport_frees_its_TCP_tuple()
    {
        using var server = new TcpTestServer();
        var (transport, client, _, _) = await server.ConnectTcpAsync();
        using var __ = client;
        TransportTuple tuple = transport.SelectedTuple!.Value;

        transport.Close();

        Assert.False(server.Directory.TryGetTransportByTuple(tuple, out _));
        Assert.Equal(0, server.Directory.TransportCount);
    }

    private static Socket Connect(TcpTestServer server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Connect(server.Tcp.LocalEndPoint);
        socket.ReceiveTimeout = 5000;
        return socket;
    }
}
