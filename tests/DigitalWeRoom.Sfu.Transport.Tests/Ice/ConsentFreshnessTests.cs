using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Udp;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Transport.Tests.Ice;

/// <summary>RFC 7675: without a valid check for 30 s the transport fails.</summary>
public class ConsentFreshnessTests
{
    [Fact]
    public void Transport_fails_30_seconds_after_the_last_valid_check()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback, time);
        var listener = new RecordingListener();
        WebRtcTransport transport = server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            Listener = listener,
        });
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        peer.ReceiveTimeout = 5000;

        Check(peer, server, transport);
        Assert.Equal(WebRtcTransportState.Checking, transport.State);

        time.Advance(TimeSpan.FromSeconds(20));
        Check(peer, server, transport); // consent renewed at t=20 s
        time.Advance(TimeSpan.FromSeconds(25));
        Assert.Equal(WebRtcTransportState.Checking, transport.State);

        time.Advance(TimeSpan.FromSeconds(6)); // 31 s after the last check
        Assert.Equal(WebRtcTransportState.Failed, transport.State);
        Assert.Contains(WebRtcTransportState.Failed, listener.States);
        Assert.Equal(0, server.TransportCount);
        Assert.Null(transport.SelectedTuple is { } t && server.Directory.TryGetTransportByTuple(t, out var owner) ? owner : null);
    }

    private static void Check(Socket peer, UdpEndpoint server, WebRtcTransport transport)
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddUsername((transport.LocalIceCredentials.Ufrag + ":peer").AsSpan());
        writer.AddPriority(1);
        writer.AddIceControlling(1);
        writer.AddMessageIntegrity(transport.LocalIceCredentials.PasswordBytes);
        writer.AddFingerprint();
        peer.SendTo(writer.Written, server.LocalEndPoint);
        var response = new byte[1500];
        int n = peer.Receive(response);
        Assert.True(StunMessage.TryParse(response.AsSpan(0, n), out var message, out _));
        Assert.Equal(StunMessageType.BindingSuccessResponse, message.Type);
    }
}
