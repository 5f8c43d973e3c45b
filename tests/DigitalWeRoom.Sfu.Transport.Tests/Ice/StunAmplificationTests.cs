using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Ice;

/// <summary>
/// Finding 9 of issue #12: a source that has not proved it holds an ICE password can spoof its address, so whatever
/// the server answers it is a reflection. Counted on a real socket: every refused check gets 0 bytes back; a plain
/// Binding request (the STUN service for the page's reflexive address) gets XOR-MAPPED-ADDRESS alone; an authenticated
/// check gets no more bytes than it sent.
/// </summary>
public sealed class StunAmplificationTests : IDisposable
{
    private readonly UdpEndpoint _server = TestEnvironment.StartServer(IPAddress.Loopback);
    private readonly WebRtcTransport _transport;
    private readonly Socket _peer = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    public StunAmplificationTests()
    {
        _transport = _server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            RemoteIceUfrag = "peer",
            Listener = new RecordingListener(),
        });
        _peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
    }

    public void Dispose()
    {
        _peer.Dispose();
        _server.Dispose();
    }

    /// <summary>Sends <paramref name="request"/> and counts every byte that comes back within 300 ms.</summary>
    private int BytesBack(byte[] request)
    {
        _peer.SendTo(request, _server.LocalEndPoint);
        int total = 0;
        var buffer = new byte[1500];
        var deadline = DateTime.UtcNow.AddMilliseconds(300);
        while (DateTime.UtcNow < deadline)
        {
            if (_peer.Poll(20_000, SelectMode.SelectRead))
            {
                total += _peer.Receive(buffer);
            }
        }

        return total;
    }

    private delegate void Build(ref StunMessageWriter writer);

    private static byte[] Request(Build build)
    {
        var buffer = new byte[512];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        build(ref writer);
        return writer.Written.ToArray();
    }

    private string Password => _transport.LocalIceCredentials.Password;

    public static TheoryData<string> Unproven => ["unknown ufrag", "bad integrity", "wrong peer ufrag", "username without integrity",
        "integrity without username", "no priority", "unknown required attribute", "short username"];

    [Theory]
    [MemberData(nameof(Unproven))]
    public void A_check_from_an_unproven_source_gets_nothing_back(string kind)
    {
        string ufrag = _transport.LocalIceCredentials.Ufrag;
        byte[] request = kind switch
        {
            "unknown ufrag" => Request((ref StunMessageWriter w) => { w.AddUsername("nobody:peer".AsSpan()); w.AddPriority(1); w.AddIceControlling(1); w.AddMessageIntegrity(Encoding.ASCII.GetBytes(Password)); w.AddFingerprint(); }),
            "bad integrity" => Request((ref StunMessageWriter w) => { w.AddUsername((ufrag + ":peer").AsSpan()); w.AddPriority(1); w.AddIceControlling(1); w.AddMessageIntegrity("not-the-password-at-all-x"u8); w.AddFingerprint(); }),
            "wrong peer ufrag" => Request((ref StunMessageWriter w) => { w.AddUsername((ufrag + ":other").AsSpan()); w.AddPriority(1); w.AddIceControlling(1); w.AddMessageIntegrity(Encoding.ASCII.GetBytes(Password)); w.AddFingerprint(); }),
            "username without integrity" => Request((ref StunMessageWriter w) => w.AddUsername("a:b".AsSpan())),
            "integrity without username" => Request((ref StunMessageWriter w) => w.AddMessageIntegrity("k"u8)),
            "no priority" => Request((ref StunMessageWriter w) => { w.AddUsername((ufrag + ":peer").AsSpan()); w.AddIceControlling(1); w.AddMessageIntegrity(Encoding.ASCII.GetBytes(Password)); w.AddFingerprint(); }),
            "unknown required attribute" => Request((ref StunMessageWriter w) => w.AddAttribute((StunAttributeType)0x7F01, default)),
            _ => Request((ref StunMessageWriter w) => w.AddUsername(":".AsSpan())),
        };

        Assert.Equal(0, BytesBack(request));
        Assert.Null(_transport.SelectedTuple);
        // Dropped and counted, or (an unknown ufrag) held silently for a transport that may be about to exist (EarlyChecks).
        Assert.True(_server.Drops.Total > 0 || (kind == "unknown ufrag" && _server.Directory.EarlyChecks.Held == 1));
    }

    [Fact]
    public void A_plain_binding_request_gets_the_mapped_address_alone()
    {
        byte[] request = Request((ref StunMessageWriter _) => { });
        Assert.Equal(20, request.Length);
        // 20-byte header + XOR-MAPPED-ADDRESS for IPv4 (12): 1.6x, the least a STUN answer can be.
        Assert.Equal(32, BytesBack(request));
    }

    [Fact]
    public void An_authenticated_check_gets_no_more_bytes_than_it_sent()
    {
        string username = _transport.LocalIceCredentials.Ufrag + ":peer";
        byte[] request = Request((ref StunMessageWriter w) => { w.AddUsername(username.AsSpan()); w.AddPriority(0x6E7F1EFF); w.AddIceControlling(42); w.AddUseCandidate(); w.AddMessageIntegrity(Encoding.ASCII.GetBytes(Password)); w.AddFingerprint(); });
        int back = BytesBack(request);
        Assert.InRange(back, 1, request.Length);
    }
}
