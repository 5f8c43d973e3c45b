using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Auth;

public sealed class TokenEndpointTests
{
    private static SfuHost Host(bool guests) => new(new()
    {
        [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret,
        ["Sfu:Auth:AllowGuests"] = guests ? "true" : "false",
    });

    [Fact]
    public async Task Operator_mints_a_token_with_the_api_secret_and_it_validates()
    {
        await using SfuHost host = Host(guests: false);
        using HttpClient client = host.CreateClient();

        HttpResponseMessage denied = await client.PostAsJsonAsync("/api/token", new { room = "standup", identity = "ada" });
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong-secret-wrong-secret-wrong-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/token", new { room = "standup", identity = "ada" })).StatusCode);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", RoomTokenServiceTests.Secret);
        HttpResponseMessage ok = await client.PostAsJsonAsync("/api/token", new { room = "standup", identity = "ada", name = "Ada", ttl = "30m", canPublish = false });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await ok.Content.ReadAsStringAsync());
        string token = body.RootElement.GetProperty("token").GetString()!;

        RoomTokenResult result = host.Services.GetRequiredService<RoomTokenService>().ValidateForRoom(token, "standup");
        Assert.True(result.IsValid, result.Error);
        Assert.False(result.Grant!.Video.CanPublish);

        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/token", new { room = "bad room!", identity = "ada" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostAsJsonAsync("/api/token", new { room = "r", identity = "ada", ttl = "99d" })).StatusCode);
    }

    [Fact]
    public async Task Server_admin_token_may_mint_but_a_room_token_may_not()
    {
        await using SfuHost host = Host(guests: false);
        RoomTokenService tokens = host.Services.GetRequiredService<RoomTokenService>();
        using HttpClient client = host.CreateClient();

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            tokens.Issue(new RoomTokenRequest("ada", null, new VideoGrant { Room = "standup", RoomAdmin = true })).Token);
        HttpResponseMessage denied = await client.PostAsJsonAsync("/api/token", new { room = "standup", identity = "bob" });
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Contains("serverAdmin", await denied.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            tokens.Issue(new RoomTokenRequest("ops", null, new VideoGrant { ServerAdmin = true })).Token);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/token", new { room = "standup", identity = "bob" })).StatusCode);
    }

    [Fact]
    public async Task Guest_tokens_only_when_allowed()
    {
        await using (SfuHost closed = Host(guests: false))
        {
            using HttpClient client = closed.CreateClient();
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync("/api/token/guest?room=standup&name=Ada")).StatusCode);
        }

        await using SfuHost open = Host(guests: true);
        using HttpClient guest = open.CreateClient();
        HttpResponseMessage response = await guest.GetAsync("/api/token/guest?room=standup&name=Ada");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        RoomTokenResult result = open.Services.GetRequiredService<RoomTokenService>().ValidateForRoom(body.RootElement.GetProperty("token").GetString(), "standup");
        Assert.True(result.IsValid, result.Error);
        Assert.StartsWith("guest-", result.Grant!.Identity, StringComparison.Ordinal);
        Assert.False(result.Grant.Video.RoomAdmin);
        Assert.True(result.Grant.ExpiresAt <= DateTimeOffset.UtcNow.AddMinutes(11));
        Assert.Equal(HttpStatusCode.BadRequest, (await guest.GetAsync("/api/token/guest?room=../etc")).StatusCode);
    }

    [Fact]
    public async Task Without_keys_the_server_is_open_and_the_mint_endpoint_says_so()
    {
        await using var host = new SfuHost();
        using HttpClient client = host.CreateClient();
        Assert.Equal(HttpStatusCode.Conflict, (await client.PostAsJsonAsync("/api/token", new { room = "r", identity = "a" })).StatusCode);
        using JsonDocument body = JsonDocument.Parse(await client.GetStringAsync("/api/token/guest?room=r"));
        Assert.False(body.RootElement.GetProperty("required").GetBoolean());
        Assert.False(host.Services.GetRequiredService<IJoinAuthorizer>().TokensRequired);
    }

    [Fact]
    public void Short_secret_stops_start_up()
    {
        var e = Assert.ThrowsAny<Exception>(() => new SfuHost(new() { ["Sfu:Auth:Keys:k"] = "too-short" }));
        Assert.Contains("at least 32 bytes", e.ToString(), StringComparison.Ordinal);
    }
}
