using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Ice;

/// <summary>RFC 8445 §7.3.1.5: a connected transport follows a newly nominated, authenticated tuple.</summary>
public class TupleMigrationTests
{
    [Fact]
    public async Task Connected_transport_moves_its_sends_to_a_newly_nominated_address()
    {
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback);
        var serverListener = new RecordingListener();
        var (transport, client) = await TestEnvironment.ConnectAsync(server, serverListener);
        using var clientScope = client;

        // The "same peer" checks from a new address (e.g. after a network change) and nominates it.
        using var moved = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        moved.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        moved.ReceiveTimeout = 5000;
        var buffer = new byte[1500];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddUsername((transport.LocalIceCredentials.Ufrag + ":" + client.Transport.LocalIceCredentials.Ufrag).AsSpan());
        writer.AddPriority(1);
        writer.AddIceControlling(1);
        writer.AddUseCandidate();
        writer.AddMessageIntegrity(transport.LocalIceCredentials.PasswordBytes);
        writer.AddFingerprint();
        moved.SendTo(writer.Written, server.LocalEndPoint);
        int n = moved.Receive(buffer);
        Assert.True(StunMessage.TryParse(buffer.AsSpan(0, n), out var response, out _));
        Assert.Equal(StunMessageType.BindingSuccessResponse, response.Type);
        Assert.Equal(TransportTuple.From((IPEndPoint)moved.LocalEndPoint!), transport.SelectedTuple);
        Assert.Equal(WebRtcTransportState.Connected, transport.State);

        byte[] plain = TestPackets.Rtp(1, 1, 100, 1);
        Assert.True(transport.TrySendRtp(TestPackets.WithHeadroom(plain), plain.Length));
        n = moved.Receive(buffer);
        Assert.Equal(0x80, buffer[0]);
        Assert.True(n > plain.Length); // protected: tag appended
        Assert.Equal(plain.AsSpan(0, 12).ToArray(), buffer.AsSpan(0, 12).ToArray()); // header stays clear

        // The old tuple is still validated: SRTP from the client keeps arriving during the move.
        Assert.True(client.TrySendRtp(TestPackets.WithHeadroom(plain), plain.Length));
        await TestEnvironment.WaitUntil(() => serverListener.RtpCount == 1, TimeSpan.FromSeconds(5), "rtp from the old tuple");
    }
}
