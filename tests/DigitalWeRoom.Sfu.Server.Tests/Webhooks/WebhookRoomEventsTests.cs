using System.Text.Json;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Auth;
using DigitalWeRoom.Sfu.Rooms.Tests.Infrastructure;
using DigitalWeRoom.Sfu.Server.Webhooks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Tests.Webhooks;

/// <summary>
/// Webhooks come from the rooms' event hook (<see cref="RoomRegistry.Events"/>), not from polling snapshots: a real
/// registry, real rooms and a real HTTP receiver; each event is delivered in the order the room saw it.
/// </summary>
public sealed class WebhookRoomEventsTests
{
    private static readonly IceServerInfo[] NoIce = [];

    private static WebhookNotifier Notifier(string url) =>
        new(Microsoft.Extensions.Options.Options.Create(new WebhookOptions { Urls = [url], InitialBackoff = TimeSpan.FromMilliseconds(20) }),
            Microsoft.Extensions.Options.Options.Create(new AuthOptions { Keys = new() { [RoomTokenServiceTests.Key] = RoomTokenServiceTests.Secret } }),
            TimeProvider.System, NullLogger<WebhookNotifier>.Instance);

    [Fact]
    public async Task A_room_lifecycle_is_delivered_as_the_five_events_in_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var notifier = Notifier(receiver.Url);
        await notifier.StartAsync(CancellationToken.None);
        var registry = new RoomRegistry(new RoomSettings { P2PEnabled = false }, TimeProvider.System, new FakeMediaFactory(), NullLoggerFactory.Instance);
        var sink = new WebhookRoomEvents(registry, notifier, TimeProvider.System);
        await sink.StartAsync(CancellationToken.None);

        var a = await registry.JoinAsync("standup", new FakeConnection(), "Ada", true, NoIce);
        var b = await registry.JoinAsync("standup", new FakeConnection(), "Bob", true, NoIce);
        var room = a.Room!;
        var track = new TrackInfo { Id = "cam", Kind = "video", Source = "camera" };
        await room.PostAsync(b.ParticipantId!, new SignalMessage { Type = MessageTypes.TrackPublished, Track = track });
        await room.PostAsync(b.ParticipantId!, new SignalMessage { Type = MessageTypes.TrackPublished, Track = track }); // re-announced: no event
        await room.LeaveAsync(b.ParticipantId!, "left");
        await room.LeaveAsync(a.ParticipantId!, "left");
        await room.Completion.WaitAsync(TimeSpan.FromSeconds(10));

        await receiver.WaitForRequestsAsync(7, TimeSpan.FromSeconds(10));
        var events = receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement).ToArray();
        string Describe(JsonElement e) =>
            $"{e.GetProperty("event").GetString()}:{e.GetProperty("room").GetProperty("numParticipants").GetInt32()}:"
            + (e.TryGetProperty("participant", out var p) ? p.GetProperty("name").GetString() : "")
            + (e.TryGetProperty("track", out var t) ? ":" + t.GetProperty("id").GetString() : "");
        Assert.Equal(
            ["room_started:0:", "participant_joined:1:Ada", "participant_joined:2:Bob", "track_published:2:Bob:cam",
             "participant_left:1:Bob", "participant_left:0:Ada", "room_finished:0:"],
            events.Select(Describe));
        Assert.All(events, e => Assert.Equal("standup", e.GetProperty("room").GetProperty("name").GetString()));
        Assert.Equal(b.ParticipantId, events[2].GetProperty("participant").GetProperty("id").GetString());

        await sink.StopAsync(CancellationToken.None);
        await notifier.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Without_urls_nothing_subscribes_and_rooms_run_as_before()
    {
        using var notifier = new WebhookNotifier(Microsoft.Extensions.Options.Options.Create(new WebhookOptions()),
            Microsoft.Extensions.Options.Options.Create(new AuthOptions()), TimeProvider.System, NullLogger<WebhookNotifier>.Instance);
        var registry = new RoomRegistry(new RoomSettings(), TimeProvider.System, new FakeMediaFactory(), NullLoggerFactory.Instance);
        var sink = new WebhookRoomEvents(registry, notifier, TimeProvider.System);
        await sink.StartAsync(CancellationToken.None);

        var a = await registry.JoinAsync("r", new FakeConnection(), "Ada", true, NoIce);
        await a.Room!.FlushAsync();

        Assert.Equal(0, notifier.Pending);
        Assert.Equal(0, notifier.Dropped);
    }
}
