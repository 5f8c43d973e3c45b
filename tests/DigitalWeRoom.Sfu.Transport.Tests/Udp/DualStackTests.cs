using System.Net;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

public class DualStackTests
{
    [Fact]
    public async Task One_dual_stack_socket_serves_an_IPv4_and_an_IPv6_client()
    {
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.IPv6Any);
        var clients = new List<IceControllingClient>();
        var listeners = new List<RecordingListener>();
        try
        {
            foreach (IPAddress address in new[] { IPAddress.Loopback, IPAddress.IPv6Loopback })
            {
                var serverListener = new RecordingListener();
                WebRtcTransport transport = server.CreateTransport(new WebRtcTransportOptions
                {
                    RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
                    Listener = serverListener,
                });
                listeners.Add(serverListener);
                clients.Add(IceControllingClient.Start(new IceControllingClientOptions
                {
                    ServerUfrag = transport.LocalIceCredentials.Ufrag,
                    ServerPassword = transport.LocalIceCredentials.Password,
                    ServerEndPoint = new IPEndPoint(address, server.Port),
                    ServerFingerprint = server.Certificate.Fingerprint,
                    Listener = new RecordingListener(),
                    Certificate = TestEnvironment.ClientCertificate,
                }));
            }
            foreach (var client in clients)
            {
                Assert.Equal(WebRtcTransportState.Connected, await client.Settled.WaitAsync(TimeSpan.FromSeconds(20)));
                byte[] plain = TestPackets.Rtp(3, 1, 40, 1);
                Assert.True(client.TrySendRtp(TestPackets.WithHeadroom(plain), plain.Length));
            }
            await TestEnvironment.WaitUntil(() => listeners.All(l => l.RtpCount == 1), TimeSpan.FromSeconds(5), "rtp on both families");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
