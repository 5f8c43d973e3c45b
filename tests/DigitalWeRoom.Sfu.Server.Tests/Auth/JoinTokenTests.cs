using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Auth;

public sealed class JoinTokenTests
{
    [Fact]
    public async Task With_keys_a_join_needs_a_token_for_that_room()
    {
        await using var host = new SfuHost(new() { [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret });
        RoomTokenService tokens = host.Services.GetRequiredService<RoomTokenService>();
        string forStandup = tokens.Issue(new RoomTokenRequest("ada", "Ada", new VideoGrant { Room = "standup" })).Token;

        await using WsClient anonymous = await host.ConnectAsync();
        await anonymous.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "standup", Name = "eve" });
        SignalMessage refused = await anonymous.ErrorAsync(ErrorCodes.Unauthorized);
        Assert.Equal("a token is required", refused.Reason);

        await using WsClient other = await host.ConnectAsync();
        await other.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "boardroom", Name = "ada", Token = forStandup });
        Assert.Contains("not 'boardroom'", (await other.ErrorAsync(ErrorCodes.Unauthorized)).Reason, StringComparison.Ordinal);

        await using WsClient ada = await host.ConnectAsync();
        await ada.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "standup", Name = "Ada", Token = forStandup });
        await ada.WaitForAsync(MessageTypes.Joined);
    }

    [Fact]
    public async Task Without_keys_joins_stay_open()
    {
        await using var host = new SfuHost();
        await using WsClient client = await host.ConnectAsync();
        Assert.False(string.IsNullOrEmpty(await client.JoinAsync("standup", "ada")));
    }

    [Fact]
    public async Task With_keys_the_room_api_needs_the_secret_or_a_server_admin_token()
    {
        await using var host = new SfuHost(new() { [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret });
        RoomTokenService tokens = host.Services.GetRequiredService<RoomTokenService>();
        using HttpClient client = host.CreateClient();
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await client.GetAsync("/api/rooms")).StatusCode);

        // A valid room token is known but not enough for the server-wide list: 403, not 401.
        client.DefaultRequestHeaders.Authorization = new("Bearer", tokens.Issue(new RoomTokenRequest("ada", null, new VideoGrant { Room = "r", RoomAdmin = true })).Token);
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await client.GetAsync("/api/rooms")).StatusCode);

        client.DefaultRequestHeaders.Authorization = new("Bearer", tokens.Issue(new RoomTokenRequest("ops", null, new VideoGrant { ServerAdmin = true })).Token);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/api/rooms")).StatusCode);

        client.DefaultRequestHeaders.Authorization = new("Bearer", RoomTokenServiceTests.Secret);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/api/rooms")).StatusCode);
    }
}
