using System.Net;
using System.Net.Http.Json;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Security;

/// <summary>
/// Finding 1 of issue #12: a room name is one exact, case-sensitive string everywhere (<see cref="RoomName"/>): the
/// registry, the join token's grant, a <c>roomAdmin</c> grant and the Room API. <c>Standup</c> and <c>standup</c> are two rooms.
/// </summary>
public sealed class RoomNameCanonicalTests
{
    private static SfuHost KeyedHost() =>
        new(new() { [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret });

    private static string Token(SfuHost host, VideoGrant grant, string identity) =>
        host.Services.GetRequiredService<RoomTokenService>().Issue(new RoomTokenRequest(identity, null, grant)).Token;

    private static async Task<(WsClient Client, SignalMessage Joined)> JoinAsync(SfuHost host, string room, string name, string token)
    {
        WsClient client = await host.ConnectAsync();
        await client.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = room, Name = name, Token = token });
        return (client, await client.WaitForAsync(MessageTypes.Joined));
    }

    [Fact]
    public async Task A_token_for_Standup_joins_its_own_room_and_never_the_room_standup()
    {
        await using SfuHost host = KeyedHost();
        (WsClient bob, _) = await JoinAsync(host, "standup", "bob", Token(host, new VideoGrant { Room = "standup" }, "bob"));
        await using WsClient bobClient = bob;

        string forUpper = Token(host, new VideoGrant { Room = "Standup" }, "eve");
        (WsClient eve, SignalMessage eveJoined) = await JoinAsync(host, "Standup", "eve", forUpper);
        await using WsClient eveClient = eve;

        // Eve is alone in her own room: bob's room is not hers.
        Assert.Empty(eveJoined.Participants ?? []);
        RoomRegistry rooms = host.Services.GetRequiredService<RoomRegistry>();
        Assert.Equal(2, rooms.Count);
        // The room loop sends `joined` before it publishes the snapshot: let each loop finish what it has queued.
        await rooms.Find("standup")!.FlushAsync();
        await rooms.Find("Standup")!.FlushAsync();
        Assert.Equal(["bob"], rooms.Find("standup")!.Snapshot.Participants.Select(p => p.Name));
        Assert.Equal(["eve"], rooms.Find("Standup")!.Snapshot.Participants.Select(p => p.Name));

        // And the `Standup` token does not open `standup` either.
        await using WsClient mallory = await host.ConnectAsync();
        await mallory.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "standup", Name = "eve", Token = forUpper });
        Assert.Contains("not 'standup'", (await mallory.ErrorAsync(ErrorCodes.Unauthorized)).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_room_admin_token_for_Standup_cannot_list_mute_remove_or_close_the_room_standup()
    {
        await using SfuHost host = KeyedHost();
        (WsClient bob, SignalMessage bobJoined) = await JoinAsync(host, "standup", "bob", Token(host, new VideoGrant { Room = "standup" }, "bob"));
        await using WsClient bobClient = bob;
        string bobId = bobJoined.ParticipantId!;

        using HttpClient client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", Token(host, new VideoGrant { Room = "Standup", RoomAdmin = true }, "eve"));

        // Addressed as its own room `Standup`: that room does not exist.
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/rooms/Standup/participants")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsJsonAsync($"/api/rooms/Standup/participants/{bobId}/mute", new { kind = "audio", muted = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync($"/api/rooms/Standup/participants/{bobId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.DeleteAsync("/api/rooms/Standup")).StatusCode);

        // Addressed as `standup`: not its room.
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/rooms/standup/participants")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.DeleteAsync("/api/rooms/standup")).StatusCode);

        // Bob's room is untouched: still open, bob still there and not muted.
        Room room = host.Services.GetRequiredService<RoomRegistry>().Find("standup")!;
        // The loop sends joined before it publishes the snapshot: let it finish the join first.
        await room.FlushAsync();
        Assert.Equal(bobId, Assert.Single(room.Snapshot.Participants).Id);
        await bob.SendAsync(new SignalMessage { Type = MessageTypes.Ping, Id = "still-here" });
        await bob.WaitForAsync(MessageTypes.Pong);
        Assert.DoesNotContain(bob.Received, m => m.Type is MessageTypes.Mute or MessageTypes.Error);
    }

    [Fact]
    public void Room_names_compare_exactly()
    {
        Assert.True(RoomName.Same("standup", "standup"));
        Assert.False(RoomName.Same("Standup", "standup"));
        Assert.False(RoomName.Same(null, "standup"));
        Assert.False(new Dictionary<string, int>(RoomName.Comparer) { ["Standup"] = 1 }.ContainsKey("standup"));
    }
}
