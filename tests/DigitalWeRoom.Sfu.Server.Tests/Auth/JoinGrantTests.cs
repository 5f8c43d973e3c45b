using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Auth;

/// <summary>The token's <c>canPublish</c> is enforced on the join's connection.</summary>
public sealed class JoinGrantTests
{
    [Fact]
    public async Task A_token_without_can_publish_cannot_publish_and_keeps_the_room_on_the_server_path()
    {
        await using var host = new SfuHost(new() { [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret });
        RoomTokenService tokens = host.Services.GetRequiredService<RoomTokenService>();
        string viewer = tokens.Issue(new RoomTokenRequest("viewer", null, new VideoGrant { Room = "talk", CanPublish = false })).Token;
        string speaker = tokens.Issue(new RoomTokenRequest("speaker", null, new VideoGrant { Room = "talk" })).Token;

        await using WsClient v = await host.ConnectAsync();
        await v.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "talk", Name = "viewer", Token = viewer });
        await v.WaitForAsync(MessageTypes.Joined);
        await using WsClient s = await host.ConnectAsync();
        await s.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "talk", Name = "speaker", Token = speaker });
        await s.WaitForAsync(MessageTypes.Joined);

        await v.SendAsync(new SignalMessage { Type = MessageTypes.TrackPublished, Track = new TrackInfo { Id = "cam", Kind = "video", Source = "camera" } });
        Assert.Contains("canPublish", (await v.ErrorAsync(ErrorCodes.NotAllowed)).Reason, StringComparison.Ordinal);

        // Two participants would go peer-to-peer, where the server could not hold the viewer to its grant.
        await s.SendAsync(new SignalMessage { Type = MessageTypes.Ping, Id = "sync" });
        await s.WaitForAsync(MessageTypes.Pong);
        Assert.DoesNotContain(s.Received, m => m.Type is MessageTypes.Mode or MessageTypes.TrackPublished);
        Assert.Equal("sfu", host.Services.GetRequiredService<DigitalWeRoom.Sfu.Rooms.RoomRegistry>().Find("talk")!.Snapshot.Mode);
    }
}
