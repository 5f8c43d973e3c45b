using System.Net;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Ice;

/// <summary>
/// An ICE-TCP peer that closes its connection and opens a new one from the same port (Firefox does, RFC 6544 §7.1)
/// comes back with the same remote tuple on a new socket. The selected pair must move to the new connection: our DTLS
/// flights went to the closed one, every send failed, and Firefox's first handshake over ICE-TCP timed out.
/// </summary>
public sealed class ReconnectedTcpTupleTests : IDisposable
{
    private readonly UdpEndpoint _server = TestEnvironment.StartServer(IPAddress.Loopback);

    public void Dispose() => _server.Dispose();

    [Fact]
    public void Sends_follow_the_selected_tuple_to_its_new_connection()
    {
        WebRtcTransport transport = _server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            RemoteIceUfrag = "peer",
            Listener = new RecordingListener(),
        });
        var remote = new IPEndPoint(IPAddress.Parse("10.77.1.2"), 64336);
        TransportTuple tuple = TransportTuple.From(remote) with { IsTcp = true };
        var first = new FakeConnection();
        var second = new FakeConnection();

        Assert.True(transport.OnIceCheck(tuple, remote.Serialize(), nominated: true, first));
        ((IDatagramSender)transport).SendDatagram([22, 254, 253]);
        Assert.Equal(1, first.Sent);

        // The peer closed that connection and checks again, nominating, on a new one from the same port.
        first.Closed = true;
        Assert.True(transport.OnIceCheck(tuple, remote.Serialize(), nominated: true, second));
        ((IDatagramSender)transport).SendDatagram([22, 254, 253]);

        Assert.Equal(1, first.Sent);
        Assert.Equal(1, second.Sent);
        Assert.Equal(tuple, transport.SelectedTuple);
        transport.Close();
    }

    private sealed class FakeConnection : IIceSocket
    {
        public DropCounters Drops { get; } = new();

        public bool Closed { get; set; }

        public int Sent { get; private set; }

        public bool Send(ReadOnlySpan<byte> packet, System.Net.SocketAddress remote)
        {
            if (Closed)
            {
                return false;
            }
            Sent++;
            return true;
        }
    }
}
