using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>DTLS and SRTP are admitted only from ICE-validated tuples (CVE-2023-51443 class).</summary>
public class AdmissionTests
{
    // A DTLS 1.2 record header (handshake, version FEFD, epoch 0) followed by a ClientHello-ish body.
    private static readonly byte[] FakeClientHello =
        [22, 0xFE, 0xFD, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    [Fact]
    public async Task ClientHello_from_another_address_before_the_peer_is_dropped_and_does_not_break_the_session()
    {
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback);
        var serverListener = new RecordingListener();
        WebRtcTransport transport = server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            Listener = serverListener,
        });
        using var attacker = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        attacker.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        attacker.SendTo(FakeClientHello, server.LocalEndPoint);
        attacker.SendTo(TestPackets.Rtp(1, 1, 50, 1), server.LocalEndPoint);
        await TestEnvironment.WaitUntil(() => server.Drops.Get(DropReason.UnvalidatedAddress) == 2, TimeSpan.FromSeconds(5), "drops");
        Assert.Equal(WebRtcTransportState.New, transport.State);

        var clientListener = new RecordingListener();
        using var client = TestEnvironment.StartClient(server, transport, clientListener);
        Assert.Equal(WebRtcTransportState.Connected, await client.Settled.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(WebRtcTransportState.Connected, await serverListener.Settled.WaitAsync(TimeSpan.FromSeconds(5)));

        // Still dropped after the session is up.
        attacker.SendTo(FakeClientHello, server.LocalEndPoint);
        await TestEnvironment.WaitUntil(() => server.Drops.Get(DropReason.UnvalidatedAddress) == 3, TimeSpan.FromSeconds(5), "drop after connect");

        byte[] plain = TestPackets.Rtp(9, 1, 80, 3);
        Assert.True(client.TrySendRtp(TestPackets.WithHeadroom(plain), plain.Length));
        await TestEnvironment.WaitUntil(() => serverListener.RtpCount == 1, TimeSpan.FromSeconds(5), "rtp");
        Assert.True(serverListener.Rtp.TryPeek(out byte[]? got));
        Assert.Equal(plain, got);
    }

    [Fact]
    public void Unknown_protocols_and_oversized_datagrams_are_counted()
    {
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback);
        SocketAddress from = new IPEndPoint(IPAddress.Loopback, 9).Serialize();
        PooledPacket packet = server.Pool.Rent();
        packet.Buffer[0] = 64; // TURN channel range: not ours.
        packet.Length = 20;
        server.ProcessDatagram(packet, from);
        packet.Buffer[0] = 0x80;
        packet.Length = PooledPacket.MaxDatagramSize + 1;
        server.ProcessDatagram(packet, from);
        packet.Buffer[0] = 23;
        packet.Length = 40;
        server.ProcessDatagram(packet, from);
        packet.Release();
        Assert.Equal(1, server.Drops.Get(DropReason.UnknownProtocol));
        Assert.Equal(1, server.Drops.Get(DropReason.TooLarge));
        Assert.Equal(1, server.Drops.Get(DropReason.UnvalidatedAddress));
        Assert.Equal(0, server.Pool.Outstanding - 1); // only the receive loop's own packet is out
    }

    [Fact]
    public async Task Oversized_datagram_on_the_socket_is_dropped_as_too_large()
    {
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback);
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var big = new byte[3000];
        big[0] = 0x80;
        peer.SendTo(big, server.LocalEndPoint);
        var medium = new byte[1510];
        medium[0] = 0x80;
        peer.SendTo(medium, server.LocalEndPoint);
        await TestEnvironment.WaitUntil(() => server.Drops.Get(DropReason.TooLarge) == 2, TimeSpan.FromSeconds(5), "too large");
    }
}
