using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Rooms.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Rooms.Tests;

/// <summary>Operator commands and the tracks limit on the room control loop, with fake connections and sessions.</summary>
public sealed class RoomAdminCommandTests
{
    private readonly FakeMediaFactory _media = new();
    private readonly RoomRegistry _registry;

    public RoomAdminCommandTests() =>
        _registry = new RoomRegistry(new RoomSettings { P2PEnabled = false, MaxTracksPerParticipant = 2 }, new FakeTimeProvider(), _media, NullLoggerFactory.Instance);

    private async Task<(Room Room, string Id, FakeConnection Connection)> JoinAsync(string name, string room = "r1", FakeConnection? connection = null)
    {
        connection ??= new FakeConnection();
        var result = await _registry.JoinAsync(room, connection, name, true, []);
        Assert.Equal(JoinOutcome.Joined, result.Outcome);
        await result.Room!.FlushAsync();
        return (result.Room, result.ParticipantId!, connection);
    }

    private static TrackInfo Track(string id, string kind) => new() { Id = id, Kind = kind, Source = kind == "audio" ? "microphone" : "camera" };

    [Fact]
    public async Task Publishing_over_the_track_limit_gets_an_error_and_changes_nothing_else()
    {
        var (room, a, ca) = await JoinAsync("alice");
        var (_, _, cb) = await JoinAsync("bob");
        foreach (var track in new[] { Track("t1", "audio"), Track("t2", "video"), Track("t3", "video") })
        {
            await room.PostAsync(a, new SignalMessage { Type = MessageTypes.TrackPublished, Track = track });
        }

        await room.FlushAsync();
        var error = Assert.Single(ca.OfType(MessageTypes.Error));
        Assert.Equal(ErrorCodes.TooManyTracks, error.Code);
        Assert.Contains("at most 2", error.Reason, StringComparison.Ordinal);
        Assert.Equal(["t1", "t2"], cb.OfType(MessageTypes.TrackPublished).Select(m => m.Track!.Id));
        Assert.Empty(cb.OfType(MessageTypes.Error));
        Assert.Equal(["t1", "t2"], room.Snapshot.Participants[0].Tracks.Select(t => t.Id));

        // Re-announcing a known track is not a new one; after unpublishing, there is room again.
        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.TrackPublished, Track = Track("t2", "video") });
        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.TrackUnpublished, Track = Track("t1", "audio") });
        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.TrackPublished, Track = Track("t3", "video") });
        await room.FlushAsync();
        Assert.Single(ca.OfType(MessageTypes.Error));
        Assert.Equal(["t2", "t3"], room.Snapshot.Participants[0].Tracks.Select(t => t.Id));
    }

    [Fact]
    public async Task Operator_mute_stops_the_server_forwarding_that_kind_and_unmute_resumes_it()
    {
        var (room, a, ca) = await JoinAsync("alice");
        var (_, b, cb) = await JoinAsync("bob");
        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.TrackPublished, Track = Track("cam", "video") });

        Assert.Equal(AdminOutcome.Done, await room.MuteAsync(a, "cam", null, muted: true));
        Assert.Equal(["video"], _media.Sessions[a].MutedKinds);
        Assert.Empty(_media.Sessions[b].MutedKinds);
        Assert.True(room.Snapshot.Participants.Single(p => p.Id == a).VideoMuted);
        Assert.True(ca.OfType(MessageTypes.Mute).Single().Muted);
        Assert.Equal((a, "video"), (cb.OfType(MessageTypes.Mute).Single().ParticipantId, cb.OfType(MessageTypes.Mute).Single().Kind));

        Assert.Equal(AdminOutcome.Done, await room.MuteAsync(a, null, "video", muted: false));
        Assert.Empty(_media.Sessions[a].MutedKinds);
        Assert.Equal(AdminOutcome.ParticipantNotFound, await room.MuteAsync("nobody", null, "audio", muted: true));
        Assert.Equal(AdminOutcome.TrackNotFound, await room.MuteAsync(a, "nope", null, muted: true));
    }

    [Fact]
    public async Task Remove_disposes_the_session_and_resubscribes_the_rest()
    {
        var (room, a, _) = await JoinAsync("alice");
        var (_, b, cb) = await JoinAsync("bob");
        var (_, c, cc) = await JoinAsync("carol");

        Assert.Equal(AdminOutcome.Done, await room.RemoveParticipantAsync(c, ""));
        Assert.Equal(ErrorCodes.Removed, cc.DisconnectedWith);
        Assert.Equal("you were removed from the room by the operator", cc.OfType(MessageTypes.Error).Single().Reason);
        Assert.True(_media.Sessions[c].Disposed);
        Assert.Equal([a], _media.Sessions[b].Subscriptions);
        Assert.Equal(c, cb.OfType(MessageTypes.ParticipantLeft).Single().ParticipantId);
        Assert.Null(cb.DisconnectedWith);
        Assert.Equal(AdminOutcome.ParticipantNotFound, await room.RemoveParticipantAsync(c, ""));
        Assert.Same(room, _registry.Find("r1"));
    }

    [Fact]
    public async Task Close_dismisses_everyone_disposes_sessions_and_unregisters_the_room()
    {
        var (room, a, ca) = await JoinAsync("alice");
        var (_, b, cb) = await JoinAsync("bob");
        var (other, _, co) = await JoinAsync("olga", room: "r2");

        Assert.Equal(AdminOutcome.Done, await room.CloseAsync("bye"));
        await room.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var (id, connection) in new[] { (a, ca), (b, cb) })
        {
            Assert.Equal(ErrorCodes.RoomClosed, connection.DisconnectedWith);
            Assert.Equal("the operator closed the room: bye", connection.OfType(MessageTypes.Error).Single().Reason);
            Assert.True(_media.Sessions[id].Disposed);
        }

        Assert.Null(_registry.Find("r1"));
        Assert.Same(other, _registry.Find("r2"));
        Assert.Null(co.DisconnectedWith);
        Assert.Equal(["r2"], _registry.Snapshot().Select(s => s.Name));

        // Commands after the close answer RoomClosed instead of hanging.
        Assert.Equal(AdminOutcome.RoomClosed, await room.CloseAsync(""));
        Assert.Equal(AdminOutcome.RoomClosed, await room.RemoveParticipantAsync(a, ""));
    }

    [Fact]
    public async Task A_grant_without_publish_or_subscribe_reaches_the_session_and_tracks_are_refused()
    {
        var (room, a, ca) = await JoinAsync("viewer", connection: new FakeConnection { CanPublish = false });
        var (_, b, cb) = await JoinAsync("deaf", connection: new FakeConnection { CanSubscribe = false });
        Assert.Equal((false, true), _media.Sessions[a].Permissions);
        Assert.Equal((true, false), _media.Sessions[b].Permissions);

        await room.PostAsync(a, new SignalMessage { Type = MessageTypes.TrackPublished, Track = Track("cam", "video") });
        await room.FlushAsync();
        Assert.Equal(ErrorCodes.NotAllowed, Assert.Single(ca.OfType(MessageTypes.Error)).Code);
        Assert.Empty(cb.OfType(MessageTypes.TrackPublished));
        Assert.Empty(room.Snapshot.Participants.Single(p => p.Id == a).Tracks);
    }
}
