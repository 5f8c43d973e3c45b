using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Dtls;

public class DtlsHandshakeTimeoutTests
{
    [Fact]
    public async Task Transport_fails_when_no_DTLS_handshake_completes_in_time()
    {
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback, handshakeTimeout: TimeSpan.FromSeconds(1));
        var listener = new RecordingListener();
        WebRtcTransport transport = server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            Listener = listener,
        });
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        writer.AddUsername((transport.LocalIceCredentials.Ufrag + ":peer").AsSpan());
        writer.AddPriority(1);
        writer.AddIceControlling(1);
        writer.AddUseCandidate();
        writer.AddMessageIntegrity(transport.LocalIceCredentials.PasswordBytes);
        writer.AddFingerprint();
        peer.SendTo(writer.Written, server.LocalEndPoint);

        // ICE succeeded, but the peer never sends a ClientHello.
        Assert.Equal(WebRtcTransportState.Failed, await listener.Settled.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.Equal(DtlsFailure.Timeout, transport.DtlsFailure);
        Assert.Equal([WebRtcTransportState.Checking, WebRtcTransportState.Failed], listener.States.ToArray());
    }
}
