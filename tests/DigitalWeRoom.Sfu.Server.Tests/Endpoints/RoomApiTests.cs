using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using DigitalWeRoom.Sfu.Server.Tests.Webhooks;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Endpoints;

/// <summary>The operator Room API over real HTTP and signaling sockets, with keys configured.</summary>
public sealed class RoomApiTests
{
    private static SfuHost KeyedHost(string? webhookUrl = null)
    {
        var settings = new Dictionary<string, string?> { [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret };
        if (webhookUrl is not null)
        {
            settings["Sfu:Webhooks:Urls:0"] = webhookUrl;
            settings["Sfu:Webhooks:PollInterval"] = "00:00:00.100";
        }

        return new SfuHost(settings);
    }

    private static string Token(SfuHost host, VideoGrant grant, string identity = "ops") =>
        host.Services.GetRequiredService<RoomTokenService>().Issue(new RoomTokenRequest(identity, null, grant)).Token;

    private static HttpClient Client(SfuHost host, string? bearer)
    {
        HttpClient client = host.CreateClient();
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        }

        return client;
    }

    private static async Task<(WsClient Client, string Id)> JoinAsync(SfuHost host, string room, string name)
    {
        WsClient client = await host.ConnectAsync();
        await client.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = room, Name = name, Token = Token(host, new VideoGrant { Room = room }, name) });
        return (client, (await client.WaitForAsync(MessageTypes.Joined)).ParticipantId!);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) };
        using HttpResponseMessage response = await client.SendAsync(request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task AssertClosedAsync(WsClient client, string description)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[64 * 1024];
        while (true)
        {
            ValueWebSocketReceiveResult result = await client.Socket.ReceiveAsync(buffer.AsMemory(), timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }
        }

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, client.Socket.CloseStatus);
        Assert.Equal(description, client.Socket.CloseStatusDescription);
    }

    [Fact]
    public async Task Every_call_answers_401_without_or_with_a_bad_credential_and_403_for_a_valid_non_admin_token()
    {
        await using SfuHost host = KeyedHost();
        (WsClient ada, string adaId) = await JoinAsync(host, "standup", "ada");
        await using WsClient a = ada;

        (HttpMethod Method, string Path, object? Body)[] calls =
        [
            (HttpMethod.Get, "/api/rooms", null),
            (HttpMethod.Get, "/api/rooms/standup/participants", null),
            (HttpMethod.Delete, $"/api/rooms/standup/participants/{adaId}", null),
            (HttpMethod.Post, $"/api/rooms/standup/participants/{adaId}/mute", new { kind = "audio", muted = true }),
            (HttpMethod.Delete, "/api/rooms/standup", null),
        ];
        string participantToken = Token(host, new VideoGrant { Room = "standup" }, "bob");
        string otherRoomAdmin = Token(host, new VideoGrant { Room = "boardroom", RoomAdmin = true });
        string wrongSecret = Token(host, new VideoGrant { ServerAdmin = true })[..^4] + "AAAA";
        foreach ((HttpMethod method, string path, object? body) in calls)
        {
            using HttpClient anonymous = Client(host, null);
            (HttpStatusCode status, JsonElement error) = await SendAsync(anonymous, method, path, body);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("unauthorized", error.GetProperty("error").GetString());
            Assert.Contains("Bearer", error.GetProperty("reason").GetString(), StringComparison.Ordinal);

            using HttpClient forged = Client(host, wrongSecret);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(forged, method, path, body)).Status);

            using HttpClient garbage = Client(host, "not-a-secret-and-not-a-token");
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(garbage, method, path, body)).Status);

            using HttpClient participant = Client(host, participantToken);
            (status, error) = await SendAsync(participant, method, path, body);
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Equal("forbidden", error.GetProperty("error").GetString());

            using HttpClient elsewhere = Client(host, otherRoomAdmin);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(elsewhere, method, path, body)).Status);
        }

        // Nothing happened to the room.
        using HttpClient admin = Client(host, RoomTokenServiceTests.Secret);
        (HttpStatusCode okStatus, JsonElement participants) = await SendAsync(admin, HttpMethod.Get, "/api/rooms/standup/participants");
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Equal(adaId, Assert.Single(participants.EnumerateArray()).GetProperty("id").GetString());
        Assert.False(participants[0].GetProperty("audioMuted").GetBoolean());
    }

    [Fact]
    public async Task Admin_credentials_list_rooms_and_participants_and_unknown_names_are_404()
    {
        await using SfuHost host = KeyedHost();
        (WsClient ada, string adaId) = await JoinAsync(host, "standup", "ada");
        (WsClient bob, string bobId) = await JoinAsync(host, "standup", "bob");
        await using WsClient a = ada, b = bob;

        foreach (string credential in new[] { RoomTokenServiceTests.Secret, Token(host, new VideoGrant { ServerAdmin = true }) })
        {
            using HttpClient client = Client(host, credential);
            (HttpStatusCode status, JsonElement rooms) = await SendAsync(client, HttpMethod.Get, "/api/rooms");
            Assert.Equal(HttpStatusCode.OK, status);
            JsonElement room = Assert.Single(rooms.EnumerateArray());
            Assert.Equal("standup", room.GetProperty("name").GetString());
            Assert.Equal([adaId, bobId], room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        }

        // A roomAdmin token: its own room only, and not the server-wide list.
        using HttpClient roomAdmin = Client(host, Token(host, new VideoGrant { Room = "standup", RoomAdmin = true }));
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(roomAdmin, HttpMethod.Get, "/api/rooms")).Status);
        (HttpStatusCode own, JsonElement list) = await SendAsync(roomAdmin, HttpMethod.Get, "/api/rooms/standup/participants");
        Assert.Equal(HttpStatusCode.OK, own);
        Assert.Equal(["ada", "bob"], list.EnumerateArray().Select(p => p.GetProperty("name").GetString()));

        using HttpClient admin = Client(host, RoomTokenServiceTests.Secret);
        (HttpStatusCode status404, JsonElement error) = await SendAsync(admin, HttpMethod.Get, "/api/rooms/nowhere/participants");
        Assert.Equal(HttpStatusCode.NotFound, status404);
        Assert.Equal("room-not-found", error.GetProperty("error").GetString());
        (status404, error) = await SendAsync(admin, HttpMethod.Delete, "/api/rooms/standup/participants/nobody");
        Assert.Equal(HttpStatusCode.NotFound, status404);
        Assert.Equal("participant-not-found", error.GetProperty("error").GetString());
        (status404, error) = await SendAsync(admin, HttpMethod.Post, $"/api/rooms/standup/participants/{adaId}/mute", new { trackId = "no-such-track", muted = true });
        Assert.Equal(HttpStatusCode.NotFound, status404);
        Assert.Equal("track-not-found", error.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(admin, HttpMethod.Delete, "/api/rooms/nowhere")).Status);

        (HttpStatusCode bad, JsonElement badBody) = await SendAsync(admin, HttpMethod.Post, $"/api/rooms/standup/participants/{adaId}/mute", new { kind = "smell", muted = true });
        Assert.Equal(HttpStatusCode.BadRequest, bad);
        Assert.Contains("kind", badBody.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(admin, HttpMethod.Post, $"/api/rooms/standup/participants/{adaId}/mute", new { kind = "audio" })).Status);
    }

    [Fact]
    public async Task Removing_a_participant_tells_it_why_closes_its_socket_and_the_others_carry_on()
    {
        await using SfuHost host = KeyedHost();
        (WsClient ada, string adaId) = await JoinAsync(host, "standup", "ada");
        (WsClient bob, string bobId) = await JoinAsync(host, "standup", "bob");
        (WsClient eve, string eveId) = await JoinAsync(host, "standup", "eve");
        await using WsClient a = ada, b = bob, e = eve;

        using HttpClient roomAdmin = Client(host, Token(host, new VideoGrant { Room = "standup", RoomAdmin = true }));
        (HttpStatusCode status, JsonElement body) = await SendAsync(roomAdmin, HttpMethod.Delete, $"/api/rooms/standup/participants/{eveId}?reason=spam");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(eveId, body.GetProperty("removed").GetString());

        SignalMessage told = await eve.ErrorAsync(ErrorCodes.Removed);
        Assert.Equal("you were removed from the room by the operator: spam", told.Reason);
        await AssertClosedAsync(eve, ErrorCodes.Removed);

        await ada.WaitForAsync(MessageTypes.ParticipantLeft, m => m.ParticipantId == eveId);
        await bob.WaitForAsync(MessageTypes.ParticipantLeft, m => m.ParticipantId == eveId);

        // The room keeps running: the two left still talk, and it lists them.
        await ada.SendAsync(new SignalMessage { Type = MessageTypes.Chat, Text = "still here" });
        Assert.Equal("still here", (await bob.WaitForAsync(MessageTypes.Chat)).Text);
        using HttpClient admin = Client(host, RoomTokenServiceTests.Secret);
        JsonElement participants = (await SendAsync(admin, HttpMethod.Get, "/api/rooms/standup/participants")).Body;
        Assert.Equal([adaId, bobId], participants.EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(admin, HttpMethod.Delete, $"/api/rooms/standup/participants/{eveId}")).Status);
    }

    [Fact]
    public async Task Muting_tells_owner_and_others_and_only_the_operator_can_unmute()
    {
        await using SfuHost host = KeyedHost();
        (WsClient ada, string adaId) = await JoinAsync(host, "standup", "ada");
        (WsClient bob, string _1) = await JoinAsync(host, "standup", "bob");
        await using WsClient a = ada, b = bob;
        await ada.SendAsync(new SignalMessage { Type = MessageTypes.TrackPublished, Track = new TrackInfo { Id = "mic-1", Kind = "audio", Source = "microphone" } });
        await bob.WaitForAsync(MessageTypes.TrackPublished);

        using HttpClient admin = Client(host, RoomTokenServiceTests.Secret);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(admin, HttpMethod.Post, $"/api/rooms/standup/participants/{adaId}/mute", new { trackId = "mic-1", muted = true })).Status);

        SignalMessage own = await ada.WaitForAsync(MessageTypes.Mute);
        SignalMessage seen = await bob.WaitForAsync(MessageTypes.Mute);
        foreach (SignalMessage m in new[] { own, seen })
        {
            Assert.Equal((adaId, "audio", true, SignalTargets.Server), (m.ParticipantId, m.Kind, m.Muted, m.From));
        }

        JsonElement listed = (await SendAsync(admin, HttpMethod.Get, "/api/rooms/standup/participants")).Body;
        Assert.True(listed[0].GetProperty("audioMuted").GetBoolean());

        // The owner cannot lift an operator mute; the others hear nothing of the attempt.
        await ada.SendAsync(new SignalMessage { Type = MessageTypes.Mute, Kind = "audio", Muted = false, Id = "m1" });
        SignalMessage refused = await ada.ErrorAsync(ErrorCodes.MutedByOperator);
        Assert.Equal("m1", refused.Id);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(admin, HttpMethod.Post, $"/api/rooms/standup/participants/{adaId}/mute", new { kind = "audio", muted = false })).Status);
        Assert.False((await bob.WaitForAsync(MessageTypes.Mute)).Muted);
        Assert.DoesNotContain(bob.Received, m => m.Type == MessageTypes.Mute && m.From is null);

        // Unmuted by the operator: the owner's own mute works again.
        await ada.SendAsync(new SignalMessage { Type = MessageTypes.Mute, Kind = "audio", Muted = true });
        SignalMessage byOwner = await bob.WaitForAsync(MessageTypes.Mute, m => m.From is null);
        Assert.True(byOwner.Muted);
    }

    [Fact]
    public async Task Closing_a_room_tells_everyone_removes_the_room_and_sends_room_finished()
    {
        await using WebhookReceiver receiver = await WebhookReceiver.StartAsync();
        await using SfuHost host = KeyedHost(receiver.Url);
        (WsClient ada, string _1) = await JoinAsync(host, "standup", "ada");
        (WsClient bob, string _2) = await JoinAsync(host, "standup", "bob");
        (WsClient other, string otherId) = await JoinAsync(host, "boardroom", "carol");
        await using WsClient a = ada, b = bob, c = other;

        using HttpClient admin = Client(host, Token(host, new VideoGrant { ServerAdmin = true }));
        await WaitForEventAsync(receiver, "room_started", "standup");
        (HttpStatusCode status, JsonElement body) = await SendAsync(admin, HttpMethod.Delete, "/api/rooms/standup?reason=maintenance");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("standup", body.GetProperty("closed").GetString());

        foreach (WsClient client in new[] { ada, bob })
        {
            Assert.Equal("the operator closed the room: maintenance", (await client.ErrorAsync(ErrorCodes.RoomClosed)).Reason);
            await AssertClosedAsync(client, ErrorCodes.RoomClosed);
        }

        JsonElement rooms = (await SendAsync(admin, HttpMethod.Get, "/api/rooms")).Body;
        Assert.Equal(["boardroom"], rooms.EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(admin, HttpMethod.Get, "/api/rooms/standup/participants")).Status);
        await WaitForEventAsync(receiver, "room_finished", "standup");

        // The other room is untouched, and the name can be used again.
        await other.SendAsync(new SignalMessage { Type = MessageTypes.Ping, Id = "p" });
        await other.WaitForAsync(MessageTypes.Pong);
        Assert.Equal(otherId, Assert.Single((await SendAsync(admin, HttpMethod.Get, "/api/rooms/boardroom/participants")).Body.EnumerateArray()).GetProperty("id").GetString());
        (WsClient again, string againId) = await JoinAsync(host, "standup", "ada");
        await using WsClient d = again;
        Assert.NotEmpty(againId);
    }

    private static async Task WaitForEventAsync(WebhookReceiver receiver, string name, string room)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!receiver.Requests.Any(r => IsEvent(r.Body, name, room)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"no {name} webhook for {room}");
            await Task.Delay(50);
        }
    }

    private static bool IsEvent(byte[] body, string name, string room)
    {
        using JsonDocument document = JsonDocument.Parse(body);
        return document.RootElement.GetProperty("event").GetString() == name
            && document.RootElement.GetProperty("room").GetProperty("name").GetString() == room;
    }
}
