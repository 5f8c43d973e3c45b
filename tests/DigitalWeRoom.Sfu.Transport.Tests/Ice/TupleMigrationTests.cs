using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Transport.Ice;
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

        // The "same peer" checks from a new address (e.g. after a network change) and nominates it; a moved peer's host
        // candidate has the priority its old one had (the client checks with type preference 110).
        using var moved = RawIceChecks.Candidate();
        var buffer = new byte[1500];
        RawIceChecks.Check(moved, server, transport, client.Transport.LocalIceCredentials.Ufrag, HostCandidate.ComputePriority(110, 65535, 1), useCandidate: true);
        Assert.Equal(TransportTuple.From((IPEndPoint)moved.LocalEndPoint!), transport.SelectedTuple);
        Assert.Equal(WebRtcTransportState.Connected, transport.State);

        byte[] plain = TestPackets.Rtp(1, 1, 100, 1);
        Assert.True(transport.TrySendRtp(TestPackets.WithHeadroom(plain), plain.Length));
        int n = moved.Receive(buffer);
        Assert.Equal(0x80, buffer[0]);
        Assert.True(n > plain.Length); // protected: tag appended
        Assert.Equal(plain.AsSpan(0, 12).ToArray(), buffer.AsSpan(0, 12).ToArray()); // header stays clear

        // The old tuple is still validated: SRTP from the client keeps arriving during the move.
        Assert.True(client.TrySendRtp(TestPackets.WithHeadroom(plain), plain.Length));
        await TestEnvironment.WaitUntil(() => serverListener.RtpCount == 1, TimeSpan.FromSeconds(5), "rtp from the old tuple");
    }

    /// <summary>Sends one nominated check from a fresh socket with <paramref name="priority"/>; returns the socket.</summary>
    private static Socket Nominate(UdpEndpoint server, WebRtcTransport transport, IceControllingClient client, uint priority)
    {
        var socket = RawIceChecks.Candidate();
        RawIceChecks.Check(socket, server, transport, client.Transport.LocalIceCredentials.Ufrag, priority, useCandidate: true);
        return socket;
    }

    [Fact]
    public async Task A_later_nomination_of_a_lower_priority_pair_does_not_replace_a_fresh_better_one_as_Firefox_nominates()
    {
        using UdpEndpoint server = TestEnvironment.StartServer(IPAddress.Loopback);
        var (transport, client) = await TestEnvironment.ConnectAsync(server, new RecordingListener());
        using var clientScope = client;
        TransportTuple direct = transport.SelectedTuple!.Value;

        // A relayed candidate (type preference 0) succeeds later and is nominated too: validated, not selected.
        using var relayed = Nominate(server, transport, client, HostCandidate.ComputePriority(0, 65535, 1));
        Assert.Equal(direct, transport.SelectedTuple);
        Assert.True(server.Directory.TryGetTransportByTuple(TransportTuple.From((IPEndPoint)relayed.LocalEndPoint!), out _));

        // A better pair (host, type preference 126) nominated later is taken.
        using var better = Nominate(server, transport, client, HostCandidate.ComputePriority(126, 65535, 1));
        Assert.Equal(TransportTuple.From((IPEndPoint)better.LocalEndPoint!), transport.SelectedTuple);
    }

    [Fact]
    public void Pair_priority_follows_RFC_8445_and_puts_UDP_above_ICE_TCP()
    {
        // RFC 8445 §6.1.2.3 with G = controlling, D = controlled.
        uint host = HostCandidate.ComputePriority(110, 65535, 1);
        Assert.True(CandidatePairs.PairPriority(host, tcp: false) > CandidatePairs.PairPriority(host, tcp: true));
        uint ours = HostCandidate.ComputePriority(126, 65535, 1);
        Assert.Equal(((ulong)host << 32) + (2UL * ours), CandidatePairs.PairPriority(host, tcp: false));
    }
}
