using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Webhooks;

namespace DigitalWeRoom.Sfu.Server.Tests.Webhooks;

public sealed class RoomEventDiffTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    private static RoomSnapshot Room(string name, params ParticipantInfo[] participants) => new(name, "sfu", participants);

    private static ParticipantInfo P(string id, params string[] tracks) =>
        new() { Id = id, Name = id.ToUpperInvariant(), Tracks = [.. tracks.Select(t => new TrackInfo { Id = t, Kind = "video", Source = "camera" })] };

    private static string[] Names(IReadOnlyList<RoomSnapshot> before, IReadOnlyList<RoomSnapshot> after) =>
        [.. RoomEventDiff.Diff(before, after, Now).Select(e => $"{e.Event}:{e.Room.Name}:{e.Participant?.Id}:{e.Track?.Id}")];

    [Fact]
    public void A_room_lifecycle_produces_the_five_events()
    {
        Assert.Equal(["room_started:r::", "participant_joined:r:a:"], Names([], [Room("r", P("a"))]));
        Assert.Equal(["participant_joined:r:b:", "track_published:r:b:cam"], Names([Room("r", P("a"))], [Room("r", P("a"), P("b", "cam"))]));
        Assert.Equal(["track_published:r:a:screen"], Names([Room("r", P("a"))], [Room("r", P("a", "screen"))]));
        Assert.Equal(["participant_left:r:b:"], Names([Room("r", P("a"), P("b"))], [Room("r", P("a"))]));
        Assert.Equal(["participant_left:r:a:", "room_finished:r::"], Names([Room("r", P("a"))], []));
        Assert.Empty(Names([Room("r", P("a", "cam"))], [Room("r", P("a", "cam"))]));
    }

    [Fact]
    public void Events_carry_the_time_and_participant_count()
    {
        WebhookEvent e = RoomEventDiff.Diff([], [Room("r", P("a"), P("b"))], Now).First();
        Assert.Equal(Now.ToUnixTimeSeconds(), e.CreatedAt);
        Assert.Equal(2, e.Room.NumParticipants);
        Assert.Equal(32, e.Id.Length);
    }
}
