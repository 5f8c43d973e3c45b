using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Protocols.Stun;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Transport.Tests.Ice;

/// <summary>
/// A browser's first checks that overtake its answer (the server offers; RFC 8838 has checks racing descriptions): held
/// for the transport the answer creates and answered then (<see cref="EarlyChecks"/>), not dropped as an unknown
/// username; bounded in count and age, and verified like any other check before anything is sent.
/// </summary>
public sealed class EarlyChecksTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly UdpEndpoint _server;
    private readonly Socket _peer = RawIceChecks.Candidate();
    private readonly IceCredentials _offered = IceCredentials.Generate();

    public EarlyChecksTests() => _server = TestEnvironment.StartServer(IPAddress.Loopback, _time);

    public void Dispose()
    {
        _peer.Dispose();
        _server.Dispose();
    }

    private static byte[] Check(IceCredentials to, byte[] transactionId, byte[]? password = null)
    {
        var buffer = new byte[256];
        var writer = new StunMessageWriter(buffer, StunMessageType.BindingRequest, transactionId);
        writer.AddUsername((to.Ufrag + ":peer").AsSpan());
        writer.AddPriority(0x6E7F1EFF);
        writer.AddIceControlling(42);
        writer.AddUseCandidate();
        writer.AddMessageIntegrity(password ?? to.PasswordBytes);
        writer.AddFingerprint();
        return writer.Written.ToArray();
    }

    private WebRtcTransport AnswerArrives(RecordingListener listener) => _server.CreateTransport(new WebRtcTransportOptions
    {
        RemoteFingerprint = TestEnvironment.ClientCertificate.Fingerprint,
        RemoteIceUfrag = "peer",
        LocalIceCredentials = _offered,
        Listener = listener,
    });

    private async Task SendEarly(byte[] check)
    {
        long held = _server.Directory.EarlyChecks.Held;
        _peer.SendTo(check, _server.LocalEndPoint);
        await TestEnvironment.WaitUntil(() => _server.Directory.EarlyChecks.Held > held, TimeSpan.FromSeconds(5), "check held");
    }

    [Fact]
    public async Task A_check_that_arrives_before_the_answer_is_answered_when_the_transport_is_created()
    {
        byte[] id = RandomNumberGenerator.GetBytes(12);
        await SendEarly(Check(_offered, id));
        Assert.Equal(0, _server.Drops.Get(DropReason.StunUnknownUsername));
        Assert.Equal(0, _peer.Available); // nothing answered before the transport exists

        var listener = new RecordingListener();
        WebRtcTransport transport = AnswerArrives(listener);
        transport.ProcessEarlyChecks();

        var buffer = new byte[1500];
        int n = _peer.Receive(buffer);
        Assert.True(StunMessage.TryParse(buffer.AsSpan(0, n), out var response, out _));
        Assert.Equal(StunMessageType.BindingSuccessResponse, response.Type);
        Assert.True(response.TransactionId.SequenceEqual(id));
        Assert.Equal(RawIceChecks.TupleOf(_peer), transport.SelectedTuple);
        Assert.Contains(WebRtcTransportState.Checking, listener.States);
        Assert.Equal(1, _server.Directory.EarlyChecks.Replayed);

        // Replayed once: a second call finds nothing left.
        transport.ProcessEarlyChecks();
        Assert.Equal(1, _server.Directory.EarlyChecks.Replayed);
    }

    [Fact]
    public async Task Stale_or_forged_early_checks_get_no_answer()
    {
        await SendEarly(Check(_offered, RandomNumberGenerator.GetBytes(12)));
        _time.Advance(EarlyChecks.MaxAge + TimeSpan.FromSeconds(1)); // the genuine one is now too old to answer
        await SendEarly(Check(_offered, RandomNumberGenerator.GetBytes(12), password: RandomNumberGenerator.GetBytes(24)));

        WebRtcTransport transport = AnswerArrives(new RecordingListener());
        transport.ProcessEarlyChecks();

        Assert.Equal(1, _server.Directory.EarlyChecks.Replayed); // the fresh forged one, verified like any check
        Assert.Equal(1, _server.Drops.Get(DropReason.StunBadMessageIntegrity));
        Assert.Equal(1, _server.Drops.Get(DropReason.StunUnknownUsername)); // the stale one
        Assert.Null(transport.SelectedTuple);
        Thread.Sleep(200);
        Assert.Equal(0, _peer.Available);
    }

    [Fact]
    public async Task A_flood_of_unknown_usernames_keeps_at_most_the_capacity_overwriting_the_oldest()
    {
        await SendEarly(Check(_offered, RandomNumberGenerator.GetBytes(12)));
        for (int i = 0; i < EarlyChecks.Capacity; i++)
        {
            await SendEarly(Check(IceCredentials.Generate(), RandomNumberGenerator.GetBytes(12)));
        }

        WebRtcTransport transport = AnswerArrives(new RecordingListener());
        transport.ProcessEarlyChecks();
        Assert.Equal(0, _server.Directory.EarlyChecks.Replayed); // overwritten: the browser's retransmission will do
        Assert.Null(transport.SelectedTuple);
        Assert.Equal(1, _server.Drops.Get(DropReason.StunUnknownUsername)); // the overwritten one, counted then
    }
}
