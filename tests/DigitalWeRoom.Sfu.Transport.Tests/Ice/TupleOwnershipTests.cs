using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Ice;

/// <summary>
/// Finding 3 of issue #12, with real STUN checks on real sockets: a participant that signs checks from many source
/// ports keeps at most <see cref="CandidatePairs.MaxValidated"/> validated tuples (the oldest are forgotten, never
/// the selected one), and a tuple that belongs to another live transport is never taken over by a check signed with
/// someone else's password (a spoofed source address would otherwise move a victim's media to the attacker).
/// </summary>
public sealed class TupleOwnershipTests : IDisposable
{
    private readonly UdpEndpoint _server = TestEnvironment.StartServer(IPAddress.Loopback);
    private readonly List<Socket> _sockets = [];

    public void Dispose()
    {
        _sockets.ForEach(s => s.Dispose());
        _server.Dispose();
    }

    private WebRtcTransport NewTransport() => _server.CreateTransport(new WebRtcTransportOptions
    {
        RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
        RemoteIceUfrag = "peer",
        Listener = new RecordingListener(),
    });

    private Socket NewPeer()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _sockets.Add(socket);
        return socket;
    }

    private static TransportTuple TupleOf(Socket socket) => TransportTuple.From((IPEndPoint)socket.LocalEndPoint!);

    /// <summary>A check signed with <paramref name="transport"/>'s password; true when a success came back.</summary>
    private bool Check(Socket from, WebRtcTransport transport, bool nominate)
    {
        from.SendTo(RawIceChecks.Request(transport, "peer", 0x6E7F1EFF, nominate), _server.LocalEndPoint);
        if (!from.Poll(500_000, SelectMode.SelectRead))
        {
            return false;
        }

        var response = new byte[1500];
        int n = from.Receive(response);
        return StunMessage.TryParse(response.AsSpan(0, n), out StunMessage message, out _) && message.Type == StunMessageType.BindingSuccessResponse;
    }

    [Fact]
    public void A_tuple_of_a_live_transport_is_never_taken_over_by_a_check_for_another()
    {
        WebRtcTransport victim = NewTransport();
        WebRtcTransport attacker = NewTransport();
        Socket shared = NewPeer();
        Assert.True(Check(shared, victim, nominate: true));
        Assert.Equal(TupleOf(shared), victim.SelectedTuple);

        // The attacker signs correctly with its own password but from the victim's tuple (as a spoofed source would).
        Assert.False(Check(shared, attacker, nominate: true));
        Assert.False(Check(shared, attacker, nominate: false));
        Assert.True(_server.Directory.TryGetTransportByTuple(TupleOf(shared), out WebRtcTransport? owner));
        Assert.Same(victim, owner);
        Assert.Null(attacker.SelectedTuple);
        Assert.Equal(TupleOf(shared), victim.SelectedTuple);
        Assert.True(_server.Drops.Get(DropReason.TupleOwnedByOther) >= 2);

        // Once the victim's transport is gone the tuple is free again.
        victim.Close();
        Assert.True(Check(shared, attacker, nominate: true));
        Assert.Equal(TupleOf(shared), attacker.SelectedTuple);
    }

    [Fact]
    public void Validated_tuples_per_transport_are_capped_oldest_first_and_the_selected_one_stays()
    {
        WebRtcTransport transport = NewTransport();
        Socket first = NewPeer();
        Assert.True(Check(first, transport, nominate: true));
        var others = new List<Socket>();
        for (int i = 0; i < 40; i++)
        {
            Socket peer = NewPeer();
            Assert.True(Check(peer, transport, nominate: false));
            others.Add(peer);
        }

        int registered = others.Count(s => _server.Directory.TryGetTransportByTuple(TupleOf(s), out _)) + (_server.Directory.TryGetTransportByTuple(TupleOf(first), out _) ? 1 : 0);
        Assert.Equal(CandidatePairs.MaxValidated, registered);
        Assert.Equal(TupleOf(first), transport.SelectedTuple);
        Assert.True(_server.Directory.TryGetTransportByTuple(TupleOf(first), out _));
        // The newest are the ones kept.
        Assert.All(others.TakeLast(CandidatePairs.MaxValidated - 1), s => Assert.True(_server.Directory.TryGetTransportByTuple(TupleOf(s), out _)));
        Assert.False(_server.Directory.TryGetTransportByTuple(TupleOf(others[0]), out _));

        // A forgotten tuple validates again with a new check, and nomination moves there.
        Assert.True(Check(others[0], transport, nominate: true));
        Assert.Equal(TupleOf(others[0]), transport.SelectedTuple);
    }
}
