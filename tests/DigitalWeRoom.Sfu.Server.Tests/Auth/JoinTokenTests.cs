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
}
