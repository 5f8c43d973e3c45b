using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Ice;

public sealed class IceLiteAgentTests : IDisposable
{
    private readonly UdpEndpoint _server = TestEnvironment.StartServer(IPAddress.Loopback);
    private readonly RecordingListener _listener = new();
    private readonly WebRtcTransport _transport;
    private readonly Socket _peer = NewPeer();

    public IceLiteAgentTests()
    {
        _transport = _server.CreateTransport(new WebRtcTransportOptions
        {
            RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
            RemoteIceUfrag = "peer",
            Listener = _listener,
        });
    }

    public void Dispose()
    {
        _peer.Dispose();
        _server.Dispose();
    }

    private static Socket NewPeer()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.ReceiveTimeout = 5000;
        return socket;
    }

    private byte[] Check(string username, string password, bool priority = true, bool useCandidate = true,
        bool integrity = true, bool controlled = false)
    {
        var buffer = new byte[512];
        var id = RandomNumberGenerator.GetBytes(12);
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, id);
        if (username.Length > 0)
        {
            writer.AddUsername(username.AsSpan());
        }
        if (priority)
        {
            writer.AddPriority(0x6E7F1EFF);
        }
        if (controlled)
        {
            writer.AddIceControlled(1);
        }
        else
        {
            writer.AddIceControlling(42);
        }
        if (useCandidate)
        {
            writer.AddUseCandidate();
        }
        if (integrity)
        {
            writer.AddMessageIntegrity(Encoding.ASCII.GetBytes(password));
        }
        writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    private byte[] Exchange(Socket peer, byte[] request, bool fingerprint = true)
    {
        peer.SendTo(request, _server.LocalEndPoint);
        var buffer = new byte[1500];
        int n = peer.Receive(buffer);
        var response = buffer.AsSpan(0, n).ToArray();
        Assert.True(StunMessage.TryParse(response, out var parsed, out _));
        Assert.True(parsed.TransactionId.SequenceEqual(request.AsSpan(8, 12)));
        Assert.Equal(fingerprint, parsed.HasFingerprint);
        return response;
    }

    /// <summary>A refused check from a source that proved nothing is not answered (no reflection, issue #12 finding 9).</summary>
    private void NoAnswer(byte[] request)
    {
        _peer.SendTo(request, _server.LocalEndPoint);
        Assert.False(_peer.Poll(300_000, SelectMode.SelectRead));
    }

    private string ValidUsername => _transport.LocalIceCredentials.Ufrag + ":peer";

    [Fact]
    public void Valid_check_gets_an_authenticated_success_with_the_mapped_address_and_selects_the_tuple()
    {
        byte[] response = Exchange(_peer, Check(ValidUsername, _transport.LocalIceCredentials.Password));

        Assert.True(StunMessage.TryParse(response, out var message, out _));
        Assert.Equal(StunMessageType.BindingSuccessResponse, message.Type);
        Assert.True(message.VerifyMessageIntegrity(_transport.LocalIceCredentials.PasswordBytes));
        Assert.False(message.VerifyMessageIntegrity("wrong-password-wrong-password"u8));
        Assert.True(message.TryGetXorMappedAddress(out IPEndPoint? mapped));
        Assert.Equal(_peer.LocalEndPoint, mapped);
        Assert.Equal(TransportTuple.From((IPEndPoint)_peer.LocalEndPoint!), _transport.SelectedTuple);
        Assert.Equal(WebRtcTransportState.Checking, _transport.State);
    }

    [Fact]
    public void Bad_message_integrity_gets_no_answer_and_validates_nothing()
    {
        NoAnswer(Check(ValidUsername, "not-the-password-at-all-x"));

        Assert.Null(_transport.SelectedTuple);
        Assert.Equal(WebRtcTransportState.New, _transport.State);
        Assert.Equal(1, _server.Drops.Get(DropReason.StunBadMessageIntegrity));
    }

    [Fact]
    public async Task Unknown_ufrag_gets_no_answer_and_is_counted()
    {
        NoAnswer(Check("nobody:peer", _transport.LocalIceCredentials.Password));

        // Held in case its transport is about to be created (EarlyChecksTests); counted once it is overwritten unclaimed.
        Assert.Equal(1, _server.Directory.EarlyChecks.Held);
        for (int i = 0; i < EarlyChecks.Capacity; i++) _peer.SendTo(Check($"nobody{i}:peer", _transport.LocalIceCredentials.Password), _server.LocalEndPoint);
        await TestEnvironment.WaitUntil(() => _server.Directory.EarlyChecks.Held == EarlyChecks.Capacity + 1, TimeSpan.FromSeconds(5), "all held");
        Assert.False(_peer.Poll(100_000, SelectMode.SelectRead));
        Assert.Equal(1, _server.Drops.Get(DropReason.StunUnknownUsername));
        Assert.Null(_transport.SelectedTuple);
    }

    [Fact]
    public void Wrong_peer_ufrag_gets_no_answer()
    {
        NoAnswer(Check(_transport.LocalIceCredentials.Ufrag + ":other", _transport.LocalIceCredentials.Password));
        Assert.Null(_transport.SelectedTuple);
    }

    [Fact]
    public void Missing_priority_or_integrity_gets_no_answer()
    {
        NoAnswer(Check(ValidUsername, _transport.LocalIceCredentials.Password, priority: false));
        NoAnswer(Check(ValidUsername, "", integrity: false));
        Assert.Equal(2, _server.Drops.Get(DropReason.StunMissingAttribute));
        Assert.Null(_transport.SelectedTuple);
    }

    [Fact]
    public void Controlled_peer_gets_487_role_conflict()
    {
        byte[] response = Exchange(_peer, Check(ValidUsername, _transport.LocalIceCredentials.Password, controlled: true));
        Assert.True(StunMessage.TryParse(response, out var message, out _));
        Assert.True(message.TryGetErrorCode(out int code, out _));
        Assert.Equal(487, code);
    }

    [Fact]
    public void Plain_binding_request_is_answered_like_a_STUN_server()
    {
        var buffer = new byte[64];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, RandomNumberGenerator.GetBytes(12));
        byte[] response = Exchange(_peer, writer.Written.ToArray(), fingerprint: false);
        Assert.True(StunMessage.TryParse(response, out var message, out _));
        Assert.Equal(StunMessageType.BindingSuccessResponse, message.Type);
        Assert.False(message.HasMessageIntegrity);
        Assert.True(message.TryGetXorMappedAddress(out IPEndPoint? mapped));
        Assert.Equal(_peer.LocalEndPoint, mapped);
    }

    [Fact]
    public void Nominated_check_from_a_new_address_moves_the_selected_tuple()
    {
        using Socket second = NewPeer();
        Exchange(_peer, Check(ValidUsername, _transport.LocalIceCredentials.Password));
        Assert.Equal(TransportTuple.From((IPEndPoint)_peer.LocalEndPoint!), _transport.SelectedTuple);

        // Not nominated: validated, but the selection stays.
        Exchange(second, Check(ValidUsername, _transport.LocalIceCredentials.Password, useCandidate: false));
        Assert.Equal(TransportTuple.From((IPEndPoint)_peer.LocalEndPoint!), _transport.SelectedTuple);

        Exchange(second, Check(ValidUsername, _transport.LocalIceCredentials.Password, useCandidate: true));
        Assert.Equal(TransportTuple.From((IPEndPoint)second.LocalEndPoint!), _transport.SelectedTuple);
    }

    [Fact]
    public void Garbage_stun_is_dropped_with_a_reason_and_never_answered()
    {
        var random = new Random(7);
        byte[] valid = Check(ValidUsername, _transport.LocalIceCredentials.Password);
        var packet = _server.Pool.Rent();
        var from = TestEnvironment.LoopbackSocketAddress(_peer);
        for (int i = 0; i < 20_000; i++)
        {
            int length = random.Next(1, valid.Length + 1);
            valid.AsSpan(0, length).CopyTo(packet.Buffer);
            packet.Buffer[0] &= 0x03;
            packet.Buffer[random.Next(length)] ^= (byte)(1 << random.Next(8));
            packet.Length = length;
            _server.ProcessDatagram(packet, from);
        }
        packet.Release();
        Assert.True(_server.Drops.Total > 0);
    }
}
