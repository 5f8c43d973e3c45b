using System.Text.Json;
using DigitalWeRoom.Sfu.Server.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>The meeting page on a server with keys: how it gets its token (wwwroot/js/token.js), and what it says without one.</summary>
public sealed class TokenMeetingTests
{
    private const string Secret = "interop-test-secret-0123456789abcdef";

    private static Dictionary<string, string?> Keyed(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string?> { ["Sfu:Auth:Keys:interop"] = Secret };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static Task JoinedAsync(IPage page) =>
        page.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId", null, new PageWaitForFunctionOptions { Timeout = 20_000 });

    private static async Task<string[]> ParticipantNamesAsync(MeetingHost host, string room)
    {
        using var http = new HttpClient { BaseAddress = host.BaseUri };
        http.DefaultRequestHeaders.Authorization = new("Bearer", Secret);
        using var rooms = JsonDocument.Parse(await http.GetStringAsync("/api/rooms"));
        return [.. rooms.RootElement.EnumerateArray().Where(r => r.GetProperty("name").GetString() == room)
            .SelectMany(r => r.GetProperty("participants").EnumerateArray()).Select(p => p.GetProperty("name").GetString()!)];
    }

    [Fact]
    public async Task With_guests_allowed_the_page_fetches_a_guest_token_and_joins_a_keyed_server()
    {
        await using var host = await MeetingHost.StartAsync(Keyed(("Sfu:Auth:AllowGuests", "true")));
        var a = await host.OpenAsync("guests", "alice");
        await JoinedAsync(a);
        var b = await host.OpenAsync("guests", "bob");
        await JoinedAsync(b);
        await Dwr.WaitForModeAsync(a, "p2p");
        await Dwr.WaitForModeAsync(b, "p2p");

        Assert.Equal(["alice", "bob"], await ParticipantNamesAsync(host, "guests"));
        JsonElement errors = await a.EvaluateAsync<JsonElement>("() => window.dwr.errors");
        Assert.DoesNotContain(errors.EnumerateArray(), e => e.GetProperty("code").GetString() == "unauthorized");
    }

    [Fact]
    public async Task Without_guests_or_a_token_url_the_page_says_a_token_is_required_and_does_not_join()
    {
        await using var host = await MeetingHost.StartAsync(Keyed());
        var a = await host.OpenAsync("closed", "alice");
        await a.WaitForFunctionAsync("() => !document.getElementById('error').hidden", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        Assert.Contains("requires a token", await a.TextContentAsync("#error"), StringComparison.Ordinal);
        Assert.Contains("?token=", await a.TextContentAsync("#error"), StringComparison.Ordinal);
        await Task.Delay(500);
        Assert.Null(await a.EvaluateAsync<string?>("() => window.dwr?.participantId ?? null"));
        Assert.Empty(await ParticipantNamesAsync(host, "closed"));
    }

    [Fact]
    public async Task A_token_in_the_page_url_is_used_for_the_join()
    {
        await using var host = await MeetingHost.StartAsync(Keyed());
        string token = host.Services.GetRequiredService<RoomTokenService>()
            .Issue(new RoomTokenRequest("alice-1", "alice", new VideoGrant { Room = "invited" })).Token;
        var a = await host.OpenAsync("invited", "alice", "&token=" + token);
        await JoinedAsync(a);
        Assert.Equal(["alice"], await ParticipantNamesAsync(host, "invited"));

        // A token for another room is refused by the server, and the page says so.
        var b = await host.OpenAsync("elsewhere", "bob", "&token=" + token);
        await b.WaitForFunctionAsync("() => !document.getElementById('error').hidden", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        Assert.Contains("valid token", await b.TextContentAsync("#error"), StringComparison.Ordinal);
        Assert.Empty(await ParticipantNamesAsync(host, "elsewhere"));
    }

    [Fact]
    public async Task The_page_asks_the_configured_token_url_with_room_and_name()
    {
        await using var host = await MeetingHost.StartAsync(Keyed(("Sfu:Auth:TokenUrl", "/sso/meeting-token")));
        RoomTokenService tokens = host.Services.GetRequiredService<RoomTokenService>();
        string? asked = null;
        var a = await host.OpenAsync("sso", "alice", "", context => context.RouteAsync("**/sso/meeting-token**", async route =>
        {
            // Stands in for the operator's own service (it would check the user's session first).
            var url = new Uri(route.Request.Url);
            asked = url.Query;
            var query = System.Web.HttpUtility.ParseQueryString(url.Query);
            string token = tokens.Issue(new RoomTokenRequest("sso-user", query["name"], new VideoGrant { Room = query["room"] })).Token;
            await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "application/json", Body = JsonSerializer.Serialize(new { token }) });
        }));
        await JoinedAsync(a);
        Assert.Equal("?room=sso&name=alice", asked);
        Assert.Equal(["alice"], await ParticipantNamesAsync(host, "sso"));
    }
}
