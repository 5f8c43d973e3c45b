using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Rooms.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Rooms.Tests;

/// <summary>
/// A large room tells joins and leaves in batches (docs/signaling.md, participants-changed): one message per member per
/// window instead of one per join to every member, each member's news always before anything that depends on it, and
/// a small room exactly as before.
/// </summary>
public sealed class PresenceBatchTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(500);
    private readonly FakeTimeProvider _time = new();
    private readonly RoomRegistry _registry;

    public PresenceBatchTests() =>
        _registry = new RoomRegistry(new RoomSettings { P2PEnabled = false, MaxParticipantsPerRoom = 100, PresenceBatchAbove = 3, PresenceBatchWindow = Window },
            _time, new FakeMediaFactory(), NullLoggerFactory.Instance);

    private Task<(Room Room, string Id, FakeConnection Connection)> JoinAsync(string name) => _registry.JoinFlushedAsync("big", name, allowP2p: false);

    private async Task EndWindowAsync(Room room)
    {
        _time.Advance(Window);
        await room.FlushAsync();
    }

    [Fact]
    public async Task Up_to_the_threshold_every_join_is_told_at_once_as_before()
    {
        var (room, _, a) = await JoinAsync("a");
        var (_, b, _) = await JoinAsync("b");
        var (_, c, _) = await JoinAsync("c");

        Assert.Equal([b, c], a.OfType(MessageTypes.ParticipantJoined).Select(m => m.Participant!.Id));
        await EndWindowAsync(room);
        Assert.Empty(a.OfType(MessageTypes.ParticipantsChanged));
    }

    [Fact]
    public async Task Above_the_threshold_joins_within_a_window_reach_each_member_as_one_message()
    {
        var (room, _, a) = await JoinAsync("a");
        await JoinAsync("b");
        await JoinAsync("c");
        a.Clear();

        var joiners = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            joiners.Add((await JoinAsync("n" + i)).Id);
        }

        Assert.Empty(a.OfType(MessageTypes.ParticipantJoined));
        Assert.Empty(a.OfType(MessageTypes.ParticipantsChanged));
        await EndWindowAsync(room);

        var news = Assert.Single(a.OfType(MessageTypes.ParticipantsChanged));
        Assert.Equal(joiners, news.Participants!.Select(p => p.Id));
        Assert.Empty(news.Left!);
        // The window closed: nothing more until the next join or leave.
        await EndWindowAsync(room);
        Assert.Single(a.OfType(MessageTypes.ParticipantsChanged));
        // Every participant knows everyone else, once: the joined list plus the news.
        Assert.Equal(8, room.Snapshot.Participants.Count);
    }

    [Fact]
    public async Task A_newcomer_learns_the_room_from_joined_and_only_later_news_from_the_batch()
    {
        var (room, _, _) = await JoinAsync("a");
        await JoinAsync("b");
        await JoinAsync("c");
        var (_, d, dc) = await JoinAsync("d"); // the 4th: batched from here on
        var (_, e, ec) = await JoinAsync("e");

        Assert.Contains(Assert.Single(ec.OfType(MessageTypes.Joined)).Participants!, p => p.Id == d);
        await EndWindowAsync(room);

        Assert.Empty(ec.OfType(MessageTypes.ParticipantsChanged)); // nothing happened after e joined
        Assert.Equal([e], Assert.Single(dc.OfType(MessageTypes.ParticipantsChanged)).Participants!.Select(p => p.Id));
    }

    [Fact]
    public async Task Someone_who_joins_and_leaves_within_a_window_is_not_mentioned_and_an_earlier_member_who_leaves_is()
    {
        var (room, _, a) = await JoinAsync("a");
        var (_, b, _) = await JoinAsync("b");
        await JoinAsync("c");
        await JoinAsync("d");
        await EndWindowAsync(room);
        a.Clear();

        var (_, brief, _) = await JoinAsync("brief");
        await room.LeaveAsync(brief, "gone");
        await room.LeaveAsync(b, "gone");
        await EndWindowAsync(room);

        var news = Assert.Single(a.OfType(MessageTypes.ParticipantsChanged));
        Assert.Empty(news.Participants!);
        Assert.Equal([b], news.Left!);
        Assert.Empty(a.OfType(MessageTypes.ParticipantLeft));
    }

    [Fact]
    public async Task A_message_about_a_participant_still_in_the_batch_comes_after_the_news_of_its_join()
    {
        var (room, _, a) = await JoinAsync("a");
        await JoinAsync("b");
        await JoinAsync("c");
        var (_, d, _) = await JoinAsync("d");
        a.Clear();

        await room.PostAsync(d, new SignalMessage { Type = MessageTypes.TrackPublished, Track = new TrackInfo { Id = "d:audio", Kind = "audio", Source = "microphone" } });
        await room.FlushAsync();

        // Before the window ended: the track's message had to carry the join news in front of it.
        var sent = a.Sent.Select(m => m.Type!).ToArray();
        Assert.Equal([MessageTypes.ParticipantsChanged, MessageTypes.TrackPublished], sent);
        Assert.Equal([d], a.Sent[0].Participants!.Select(p => p.Id));
        await EndWindowAsync(room);
        Assert.Single(a.OfType(MessageTypes.ParticipantsChanged));
    }

    [Fact]
    public async Task A_mass_join_sends_each_member_a_message_per_window_not_one_per_join()
    {
        var (room, _, a) = await JoinAsync("a");
        for (int i = 0; i < 60; i++)
        {
            await JoinAsync("n" + i);
            if (i % 20 == 19) await EndWindowAsync(room);
        }

        // 2 joins told at once (up to the threshold), then the other 58 in 3 windows.
        int presence = a.OfType(MessageTypes.ParticipantJoined).Count + a.OfType(MessageTypes.ParticipantsChanged).Count;
        Assert.Equal(2 + 3, presence);
        Assert.Equal(60, a.OfType(MessageTypes.ParticipantJoined).Count + a.OfType(MessageTypes.ParticipantsChanged).Sum(m => m.Participants!.Count));
    }
}
