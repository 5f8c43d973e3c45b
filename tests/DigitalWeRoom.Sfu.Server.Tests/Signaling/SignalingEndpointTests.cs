using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using MessagePack;

namespace DigitalWeRoom.Sfu.Server.Tests.Signaling;

public sealed class SignalingEndpointTests : IAsyncLifetime
{
    private SfuHost _host = null!;

    public Task InitializeAsync()
    {
        _host = new SfuHost(new()
        {
            ["Sfu:Limits:MaxMessageBytes"] = "4096",
            ["Sfu:Limits:MessagesPerSecond"] = "20",
            ["Sfu:Limits:MaxChatLength"] = "100",
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(WsClient A, string AId, WsClient B, string BId)> TwoInRoomAsync(string room)
    {
        var a = await _host.ConnectAsync();
        var aId = await a.JoinAsync(room, "alice");
        var b = await _host.ConnectAsync();
        var bId = await b.JoinAsync(room, "bob");
        await a.WaitForAsync(MessageTypes.Mode, m => m.Mode == "switching");
        await b.WaitForAsync(MessageTypes.Mode, m => m.Mode == "switching");
        return (a, aId, b, bId);
    }

    [Fact]
    public async Task Join_answers_joined_with_ice_servers_and_tells_the_others()
    {
        await using var a = await _host.ConnectAsync();
        await a.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "room1", Name = "alice" });
        var joined = await a.WaitForAsync(MessageTypes.Joined);
        Assert.Equal("sfu", joined.Mode);
        Assert.Empty(joined.Participants!);
        Assert.Empty(joined.IceServers!); // Udp.Port 0 in tests: no STUN URL to hand out.

        await using var b = await _host.ConnectAsync();
        var bId = await b.JoinAsync("room1", "bob");
        var seen = await a.WaitForAsync(MessageTypes.ParticipantJoined);
        Assert.Equal((bId, "bob"), (seen.Participant!.Id, seen.Participant.Name));
        Assert.Equal("alice", Assert.Single(b.Received.Single(m => m.Type == MessageTypes.Joined).Participants!).Name);
    }

    [Fact]
    public async Task Invalid_messages_get_errors_and_the_room_is_undisturbed()
    {
        var (a, aId, b, bId) = await TwoInRoomAsync("bad-input");
        await using var _ = a;
        await using var __ = b;

        await a.SendTextAsync("{not json");
        await a.ErrorAsync(ErrorCodes.InvalidMessage);
        await a.SendTextAsync("""{"type":"explode"}""");
        await a.ErrorAsync(ErrorCodes.UnknownType);
        await a.SendTextAsync("""{"type":"joined","participantId":"x"}""");
        await a.ErrorAsync(ErrorCodes.UnknownType);
        await a.SendTextAsync("""{"type":"chat","text":42}""");
        await a.ErrorAsync(ErrorCodes.InvalidMessage);
        await a.SendTextAsync("{\"type\":\"chat\",\"text\":\"" + new string('x', 101) + "\"}");
        await a.ErrorAsync(ErrorCodes.InvalidField);
        await a.SendTextAsync("{\"type\":\"chat\",\"text\":\"" + new string('x', 5000) + "\"}");
        await a.ErrorAsync(ErrorCodes.TooLarge);
        await a.SendTextAsync($$"""{"type":"offer","target":"{{bId}}","sdp":"this is not sdp"}""");
        await a.ErrorAsync(ErrorCodes.InvalidSdp);
        await a.SendTextAsync($$"""{"type":"offer","target":"{{bId}}","participantId":"{{bId}}","sdp":"v=0\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n","id":"spoof"}""");
        var spoof = await a.ErrorAsync(ErrorCodes.NotYourId);
        Assert.Equal("spoof", spoof.Id);
        await a.SendTextAsync("""{"type":"offer","target":"someone-else","sdp":"v=0\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"}""");
        await a.ErrorAsync(ErrorCodes.InvalidTarget);
        await a.SendTextAsync("""{"type":"join","room":"other","name":"again"}""");
        await a.ErrorAsync(ErrorCodes.AlreadyJoined);

        // B saw none of it, and the room still works for both.
        await a.SendTextAsync("""{"type":"chat","text":"still here"}""");
        var chat = await b.WaitForAsync(MessageTypes.Chat);
        Assert.Equal(("still here", aId), (chat.Text, chat.ParticipantId));
        Assert.DoesNotContain(b.Received, m => m.Type is MessageTypes.Error or MessageTypes.ParticipantLeft
            || (m.Type == MessageTypes.Offer && m.From != SignalTargets.Server));
        Assert.Equal(WebSocketState.Open, a.Socket.State);

        // An SDP that does not parse is refused; a valid relayed offer still goes through.
        await a.SendTextAsync($$"""{"type":"offer","target":"{{bId}}","sdp":"v=0\r\ns=-\r\nm=audio nine\r\n"}""");
        await a.ErrorAsync(ErrorCodes.InvalidSdp);
        await a.SendTextAsync($$"""{"type":"offer","target":"{{bId}}","sdp":"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n"}""");
        Assert.Equal(aId, (await b.WaitForAsync(MessageTypes.Offer)).From);
    }

    [Fact]
    public async Task Messages_before_join_are_refused()
    {
        await using var a = await _host.ConnectAsync();
        await a.SendTextAsync("""{"type":"chat","text":"hi"}""");
        await a.ErrorAsync(ErrorCodes.NotJoined);
        await a.SendTextAsync("""{"type":"join","room":"../etc","name":"x"}""");
        await a.ErrorAsync(ErrorCodes.InvalidField);
        await a.SendTextAsync("""{"type":"ping","id":"7"}""");
        Assert.Equal("7", (await a.WaitForAsync(MessageTypes.Pong)).Id);
    }

    [Fact]
    public async Task A_flood_is_rate_limited_with_one_error_and_the_connection_survives()
    {
        var (a, _, b, _) = await TwoInRoomAsync("flood");
        await using var _a = a;
        await using var _b = b;

        for (var i = 0; i < 200; i++)
        {
            await a.SendTextAsync($$"""{"type":"chat","text":"m{{i}}"}""");
        }

        await a.ErrorAsync(ErrorCodes.RateLimited);
        await Task.Delay(1200);
        await a.SendTextAsync("""{"type":"chat","text":"after"}""");
        await b.WaitForAsync(MessageTypes.Chat, m => m.Text == "after");
        var delivered = b.Received.Count(m => m.Type == MessageTypes.Chat);
        Assert.InRange(delivered, 20, 120); // burst of 40 plus refill, never all 200
    }

    [Fact]
    public async Task MessagePack_subprotocol_round_trips_the_same_messages()
    {
        await using var a = await _host.ConnectAsync(msgpack: true);
        Assert.Equal(SignalingCodec.MessagePackSubprotocol, a.Socket.SubProtocol);
        var aId = await a.JoinAsync("mp", "alice");
        await using var b = await _host.ConnectAsync();
        await b.JoinAsync("mp", "bob");

        var joined = await a.WaitForAsync(MessageTypes.ParticipantJoined);
        Assert.Equal("bob", joined.Participant!.Name);
        await a.SendAsync(new SignalMessage { Type = MessageTypes.Chat, Text = "packed" });
        var chat = await b.WaitForAsync(MessageTypes.Chat);
        Assert.Equal(("packed", aId, "alice"), (chat.Text, chat.ParticipantId, chat.Name));

        // Garbage in a binary frame is an error, not a disconnect.
        await a.SendBytesAsync([0xc1, 0xff, 0x00], WebSocketMessageType.Binary);
        await a.ErrorAsync(ErrorCodes.InvalidMessage);
        await a.SendAsync(new SignalMessage { Type = MessageTypes.Ping });
        await a.WaitForAsync(MessageTypes.Pong);
    }

    [Fact]
    public void MessagePack_and_json_use_the_same_keys()
    {
        var message = new SignalMessage
        {
            Type = MessageTypes.Joined,
            ParticipantId = "p1",
            Participants = [new ParticipantInfo { Id = "p2", Name = "bob", Tracks = [new TrackInfo { Id = "t", Kind = "video", Source = "camera" }] }],
            IceServers = [new IceServerInfo { Urls = ["stun:127.0.0.1:7882"] }],
            Candidate = new IceCandidateInfo { Candidate = "candidate:1 1 udp 1 127.0.0.1 9 typ host", SdpMid = "0", SdpMLineIndex = 0 },
        };
        var packed = SignalingCodec.Encode(message, SignalEncoding.MessagePack);
        Assert.True(SignalingCodec.TryDecode(packed, SignalEncoding.MessagePack, out var back, out _));
        Assert.Equal("bob", back.Participants![0].Name);
        Assert.Equal(0, back.Candidate!.SdpMLineIndex);
        Assert.Equal("stun:127.0.0.1:7882", back.IceServers![0].Urls[0]);

        var jsonKeys = JsonDocument.Parse(SignalingCodec.Encode(message, SignalEncoding.Json)).RootElement.EnumerateObject().Select(p => p.Name).ToHashSet();
        var packKeys = MessagePackSerializer.Deserialize<Dictionary<string, object?>>(packed).Where(kv => kv.Value is not null).Select(kv => kv.Key).ToHashSet();
        Assert.Equal(jsonKeys.Order(), packKeys.Order());
        Assert.Contains("participantId", jsonKeys);
    }

    [Theory]
    [InlineData(SignalEncoding.Json)]
    [InlineData(SignalEncoding.MessagePack)]
    public void A_null_where_the_contract_has_none_is_rejected_with_a_reason(SignalEncoding encoding)
    {
        // Accepted, the null name would be dropped on re-encoding and the message would no longer decode.
        byte[] Frame(string name) => encoding == SignalEncoding.Json
            ? Encoding.UTF8.GetBytes($$"""{"type":"joined","participants":[{"id":"p-1","name":{{name}}}]}""")
            : MessagePackSerializer.ConvertFromJson($$"""{"type":"joined","participants":[{"id":"p-1","name":{{name}}}]}""");
        Assert.False(SignalingCodec.TryDecode(Frame("null"), encoding, out _, out string error));
        Assert.StartsWith("invalid", error);
        Assert.True(SignalingCodec.TryDecode(Frame("\"Ada\""), encoding, out SignalMessage ok, out _));
        Assert.Equal("Ada", ok.Participants![0].Name);
    }

    [Fact]
    public async Task Room_api_lists_rooms_modes_and_participants_from_localhost()
    {
        var (a, aId, b, bId) = await TwoInRoomAsync("api-room");
        await using var _a = a;
        await using var _b = b;
        await a.SendAsync(new SignalMessage { Type = MessageTypes.TrackPublished, Track = new TrackInfo { Id = "s:video", Kind = "video", Source = "camera" } });
        await b.WaitForAsync(MessageTypes.TrackPublished);

        using var http = new HttpClient { BaseAddress = _host.BaseUri };
        var rooms = await http.GetFromJsonAsync<JsonElement>("/api/rooms");
        var room = rooms.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "api-room");
        Assert.Equal("switching", room.GetProperty("mode").GetString());
        var participants = room.GetProperty("participants").EnumerateArray().ToArray();
        Assert.Equal([aId, bId], participants.Select(p => p.GetProperty("id").GetString()));
        Assert.Equal("camera", participants[0].GetProperty("tracks")[0].GetProperty("source").GetString());

        // Both leave: the room disappears.
        await a.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        await b.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        for (var i = 0; i < 50; i++)
        {
            var now = await http.GetFromJsonAsync<JsonElement>("/api/rooms");
            if (!now.EnumerateArray().Any(r => r.GetProperty("name").GetString() == "api-room"))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("room still listed after everyone left");
    }

    [Fact]
    public async Task Plain_http_to_the_socket_path_is_refused()
    {
        using var http = new HttpClient { BaseAddress = _host.BaseUri };
        var response = await http.GetAsync("/ws");
        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
    }

    [Fact]
    public async Task Meeting_pages_are_served_with_a_content_security_policy()
    {
        using var http = new HttpClient { BaseAddress = _host.BaseUri };
        var home = await http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("join-form", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var room = await http.GetAsync("/r/my-room?name=x");
        Assert.Contains("room.js", await room.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", room.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var js = await http.GetAsync("/js/signaling.js");
        Assert.Equal(HttpStatusCode.OK, js.StatusCode);
    }
}

public sealed class JoinLimitAndAdminKeyTests
{
    [Fact]
    public async Task Joins_per_ip_are_limited()
    {
        await using var host = new SfuHost(new() { ["Sfu:Limits:JoinsPerIpPerMinute"] = "2" });
        for (var i = 0; i < 2; i++)
        {
            await using var c = await host.ConnectAsync();
            await c.JoinAsync("j", $"p{i}");
        }

        await using var third = await host.ConnectAsync();
        await third.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "j", Name = "p3" });
        await third.ErrorAsync(ErrorCodes.JoinRateLimited);
    }

    [Fact]
    public async Task Room_full_is_reported()
    {
        await using var host = new SfuHost(new() { ["Sfu:Limits:MaxParticipantsPerRoom"] = "1" });
        await using var a = await host.ConnectAsync();
        await a.JoinAsync("small", "a");
        await using var b = await host.ConnectAsync();
        await b.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "small", Name = "b" });
        await b.ErrorAsync(ErrorCodes.RoomFull);
    }

    [Fact]
    public async Task With_an_admin_key_the_room_api_requires_it()
    {
        const string key = "0123456789abcdef-secret";
        await using var host = new SfuHost(new() { ["Sfu:AdminKey"] = key });
        using var http = new HttpClient { BaseAddress = host.BaseUri };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/rooms")).StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/rooms");
        wrong.Headers.Authorization = new("Bearer", "0123456789abcdef-wrong!");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);
        using var right = new HttpRequestMessage(HttpMethod.Get, "/api/rooms");
        right.Headers.Authorization = new("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(right)).StatusCode);
    }

    [Fact]
    public void A_bad_configuration_stops_the_start()
    {
        var e = Assert.ThrowsAny<Exception>(() => new SfuHost(new()
        {
            ["Sfu:Udp:Port"] = "70000",
            ["Sfu:IceServers:0:Urls:0"] = "http://not-ice",
            ["Sfu:AdminKey"] = "short",
        }).Dispose());
        var text = e.ToString();
        Assert.Contains("Sfu:Udp:Port", text, StringComparison.Ordinal);
        Assert.Contains("Sfu:IceServers:0:Urls", text, StringComparison.Ordinal);
        Assert.Contains("Sfu:AdminKey", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_ice_server_is_our_udp_port_at_the_page_host()
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Host = new Microsoft.AspNetCore.Http.HostString("meet.example.org", 443);
        var servers = DigitalWeRoom.Sfu.Server.Signaling.SignalingEndpoint.IceServersFor(context, new DigitalWeRoom.Sfu.Server.Options.SfuOptions());
        Assert.Equal("stun:meet.example.org:7882", Assert.Single(Assert.Single(servers).Urls));
        context.Request.Host = new Microsoft.AspNetCore.Http.HostString("[::1]", 7880);
        Assert.Equal("stun:[::1]:7882", SignalingEndpointIce(context));
    }

    private static string SignalingEndpointIce(Microsoft.AspNetCore.Http.HttpContext context) =>
        DigitalWeRoom.Sfu.Server.Signaling.SignalingEndpoint.IceServersFor(context, new DigitalWeRoom.Sfu.Server.Options.SfuOptions())[0].Urls[0];

    [Fact]
    public void Announced_addresses_follow_configuration_bind_and_detection()
    {
        static IReadOnlyList<IPAddress> Resolve(string bind, string[] announced, IPAddress[] detected) =>
            DigitalWeRoom.Sfu.Server.Options.AnnouncedAddresses.Resolve(
                new DigitalWeRoom.Sfu.Server.Options.UdpSettings { BindAddress = bind, AnnouncedAddresses = [.. announced] },
                () => detected, new DigitalWeRoom.Sfu.Server.Networking.AddressSelectionOptions());

        var global6 = IPAddress.Parse("2a02:1802:5e::7");
        var global4 = IPAddress.Parse("8.8.4.4");
        Assert.Equal([IPAddress.Parse("198.51.100.1")], Resolve("::", ["198.51.100.1"], [global6]));
        Assert.Equal([IPAddress.Loopback], Resolve("127.0.0.1", [], [global6]));
        Assert.Equal([global6, global4], Resolve("::", [], [global6, global4]));
        Assert.Equal([global4], Resolve("0.0.0.0", [], [global6, global4]));
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], Resolve("::", [], []));
        // Interface addresses pass the selection policy: private and overlay ones are never announced.
        Assert.Equal([global6], Resolve("::", [], [IPAddress.Parse("10.1.2.3"), IPAddress.Parse("400::1"), global6]));
    }

    [Fact]
    public void Also_announced_addresses_follow_the_public_ones_and_replace_the_loopback_fallback()
    {
        static IReadOnlyList<IPAddress> Resolve(string[] announced, string[] also, IPAddress[] detected) =>
            DigitalWeRoom.Sfu.Server.Options.AnnouncedAddresses.Resolve(
                new DigitalWeRoom.Sfu.Server.Options.UdpSettings { BindAddress = "::", AnnouncedAddresses = [.. announced], AlsoAnnounce = [.. also] },
                () => detected, new DigitalWeRoom.Sfu.Server.Networking.AddressSelectionOptions());

        var global6 = IPAddress.Parse("2a02:1802:5e::7");
        var grid = IPAddress.Parse("10.20.2.2");
        // The grid VM: its detected public IPv6, then the private address coturn relays to (a private address that
        // detection alone never announces).
        Assert.Equal([global6, grid], Resolve([], ["10.20.2.2"], [grid, global6]));
        Assert.Equal([IPAddress.Parse("198.51.100.1"), grid], Resolve(["198.51.100.1"], ["10.20.2.2", "10.20.2.2"], [global6]));
        // Nothing public detected: the private address alone, no loopback candidates for remote browsers.
        Assert.Equal([grid], Resolve([], ["10.20.2.2"], []));
    }
}
