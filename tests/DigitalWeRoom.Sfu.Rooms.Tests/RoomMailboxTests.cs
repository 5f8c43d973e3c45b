using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Rooms.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Rooms.Tests;

/// <summary>
/// The room's own commands (a session's offer, consent expiry, the mode timer) must not be lost when a client fills the
/// room's queue (security review finding 6): they have their own lane.
/// </summary>
public sealed class RoomMailboxTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider _time = new();
    private readonly FakeMediaFactory _media = new();
    private readonly RoomRegistry _registry;

    public RoomMailboxTests() =>
        _registry = new RoomRegistry(new RoomSettings { BackToP2PDelay = TimeSpan.FromSeconds(5), P2PConnectTimeout = TimeSpan.FromSeconds(10) },
            _time, _media, NullLoggerFactory.Instance);

    private async Task<(Room Room, string Id, FakeConnection Connection, FakeSession Session)> JoinAsync(string name)
    {
        var connection = new FakeConnection();
        var result = await _registry.JoinAsync("r1", connection, name, allowP2p: true, []);
        Assert.Equal(JoinOutcome.Joined, result.Outcome);
        await result.Room!.FlushAsync();
        return (result.Room, result.ParticipantId!, connection, _media.Sessions[result.ParticipantId!]);
    }

    /// <summary>Holds the room loop inside an internal callback and fills the whole client lane behind it.</summary>
    private static async Task<TaskCompletionSource> StallAndFillAsync(Room room, string id, FakeSession session)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        session.Host.Post(() =>
        {
            entered.TrySetResult();
            release.Task.Wait(Patience);
        });
        await entered.Task.WaitAsync(Patience);

        for (var i = 0; i < RoomMailbox.ClientCapacity; i++)
        {
            var posted = room.PostAsync(id, new SignalMessage { Type = MessageTypes.Chat, Text = "spam " + i }).AsTask();
            Assert.True(posted.IsCompleted, $"client message {i} should fit in the client lane");
        }

        // The client lane is full now: the next client message waits.
        Assert.False(room.PostAsync(id, new SignalMessage { Type = MessageTypes.Chat, Text = "one too many" }).AsTask().IsCompleted);
        return release;
    }

    [Fact]
    public async Task A_server_offer_posted_while_a_client_fills_the_queue_still_reaches_the_participant()
    {
        var (room, id, connection, session) = await JoinAsync("alice");
        var release = await StallAndFillAsync(room, id, session);

        session.Host.Send(new SignalMessage { Type = MessageTypes.Offer, Sdp = "v=0\r\ns=renegotiate\r\n" });
        release.SetResult();
        await room.FlushAsync().WaitAsync(Patience);

        Assert.Contains(connection.OfType(MessageTypes.Offer), m => m.Sdp == "v=0\r\ns=renegotiate\r\n" && m.From == SignalTargets.Server);
        Assert.Equal(RoomMailbox.ClientCapacity + 1, connection.OfType(MessageTypes.Chat).Count);
    }

    [Fact]
    public async Task Consent_expiry_reported_while_a_client_fills_the_queue_still_removes_the_participant()
    {
        var (room, id, _, _) = await JoinAsync("alice");
        var (_, bobId, bob, bobSession) = await JoinAsync("bob");
        var release = await StallAndFillAsync(room, id, bobSession);

        bobSession.Host.ReportState(SfuSessionState.ConsentExpired);
        release.SetResult();
        await room.FlushAsync().WaitAsync(Patience);

        Assert.Equal(ErrorCodes.ConsentExpired, bob.DisconnectedWith);
        Assert.DoesNotContain(room.Snapshot.Participants, p => p.Id == bobId);
    }

    [Fact]
    public async Task A_failed_dtls_handshake_removes_the_participant_and_tells_it_to_rejoin()
    {
        var (room, aliceId, alice, _) = await JoinAsync("alice");
        var (_, bobId, bob, bobSession) = await JoinAsync("bob");

        bobSession.Host.ReportState(SfuSessionState.Failed);
        await room.FlushAsync().WaitAsync(Patience);

        Assert.Equal(ErrorCodes.DtlsFailed, bob.DisconnectedWith);
        Assert.DoesNotContain(room.Snapshot.Participants, p => p.Id == bobId);
        Assert.Contains(room.Snapshot.Participants, p => p.Id == aliceId);
        Assert.Null(alice.DisconnectedWith);
    }

    [Fact]
    public async Task The_mode_timer_firing_while_a_client_fills_the_queue_still_ends_the_p2p_attempt()
    {
        var (room, id, _, session) = await JoinAsync("alice");
        await JoinAsync("bob");
        Assert.Equal("switching", room.Snapshot.Mode);
        var release = await StallAndFillAsync(room, id, session);

        _time.Advance(TimeSpan.FromSeconds(11));
        release.SetResult();
        await room.FlushAsync().WaitAsync(Patience);

        Assert.Equal("sfu", room.Snapshot.Mode);
    }
}
