using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.LoadTest.Tests.Faults;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Tests.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>
/// Issue #14: a wildcard UDP bind on a multi-homed host. RFC 8445 §7.2.5.2.1: a check's response must come from the
/// address the request was sent to, or the browser's check fails. The test makes a namespace with two addresses
/// (<see cref="Primary"/> on a veth, <see cref="Second"/> on lo); the client sends from <see cref="Primary"/> to
/// <see cref="Second"/>, so the kernel's route would answer a wildcard socket's reply from <see cref="Primary"/>.
/// </summary>
public sealed class MultiHomedReplyTests
{
    private static readonly IPAddress Primary = IPAddress.Parse("10.77.83.2");
    private static readonly IPAddress Second = IPAddress.Parse("10.77.83.3");

    [Fact]
    public void A_check_to_the_second_address_is_answered_from_it_and_the_pair_it_validates_sends_from_it_too()
    {
        using var topology = new TwoAddresses(bindEachAddress: true);
        var (server, client) = (topology.Server, topology.Client);
        Assert.Equal(0, server.AddressSocketsFailed);
        var to = new IPEndPoint(Second, server.Port);

        // A plain Binding request (the port as STUN server): XOR-MAPPED-ADDRESS, from the address it was sent to.
        client.SendTo(RawIceChecks.PlainBindingRequest(), to);
        Assert.Equal(to, ReceiveStun(client, out StunMessageType plain));
        Assert.Equal(StunMessageType.BindingSuccessResponse, plain);

        // An authenticated check: answered from there, and the pair it validates (DTLS client: our ClientHello goes
        // first) sends from there as well.
        WebRtcTransport transport = server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            DtlsRole = DtlsRole.Client,
        });
        client.SendTo(RawIceChecks.Request(transport, "peer", 1, useCandidate: true), to);
        var kinds = new List<PacketKind>();
        var buffer = new byte[1500];
        for (int i = 0; i < 2; i++)
        {
            EndPoint from = new IPEndPoint(IPAddress.Any, 0);
            int length = client.ReceiveFrom(buffer, ref from);
            Assert.Equal(to, from);
            kinds.Add(PacketClassifier.Classify(buffer.AsSpan(0, length)));
        }
        Assert.Equal([PacketKind.Stun, PacketKind.Dtls], kinds.Order());
        Assert.NotNull(transport.SelectedTuple);
    }

    [Fact]
    public void Without_a_socket_per_address_the_kernel_answers_from_the_routes_address()
    {
        // The control: this topology does show the fault the per-address sockets fix.
        using var topology = new TwoAddresses(bindEachAddress: false);
        var (server, client) = (topology.Server, topology.Client);

        client.SendTo(RawIceChecks.PlainBindingRequest(), new IPEndPoint(Second, server.Port));
        Assert.Equal(new IPEndPoint(Primary, server.Port), ReceiveStun(client, out _));
    }

    [Fact]
    public void A_second_server_on_a_port_in_use_is_refused_although_the_sockets_share_the_port_with_SO_REUSEPORT()
    {
        using var first = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Any, BindEachAddress = true });
        var error = Assert.Throws<SocketException>(() =>
            new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Any, Port = first.Port, BindEachAddress = true }));
        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);
    }

    /// <summary>The namespace with its two addresses, a server on <c>0.0.0.0</c> and a client on <see cref="Primary"/> in it.</summary>
    private sealed class TwoAddresses : IDisposable
    {
        private readonly NetNamespace _ns = new("10.77.83.1", Primary.ToString());

        public TwoAddresses(bool bindEachAddress)
        {
            _ns.Exec("ip", $"addr add {Second}/32 dev lo");
            (Server, Client) = _ns.Run(() =>
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                client.Bind(new IPEndPoint(Primary, 0));
                client.ReceiveTimeout = 5000;
                return (new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Any, BindEachAddress = bindEachAddress }).Start(), client);
            });
        }

        public UdpEndpoint Server { get; }

        public Socket Client { get; }

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
            _ns.Dispose();
        }
    }

    /// <summary>Reads the next datagram, a STUN message; returns its source.</summary>
    private static IPEndPoint ReceiveStun(Socket client, out StunMessageType type)
    {
        var buffer = new byte[1500];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int length = client.ReceiveFrom(buffer, ref from);
        Assert.True(StunMessage.TryParse(buffer.AsSpan(0, length), out StunMessage message, out _));
        type = message.Type;
        return (IPEndPoint)from;
    }
}
