using System.Net;
using System.Text.Json;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Endpoints;
using DigitalWeRoom.Sfu.Server.Tests.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Endpoints;

/// <summary>What the server sends for the meeting page: test hooks only when asked, embedding policy, the room summary.</summary>
public sealed class MeetingPageEndpointTests
{
    [Fact]
    public async Task Embedding_is_refused_by_default_and_allowed_for_listed_origins()
    {
        await using var closed = new SfuHost();
        using var http = new HttpClient { BaseAddress = closed.BaseUri };
        Assert.Contains("frame-ancestors 'none'", (await http.GetAsync("/r/standup")).Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        await using var open = new SfuHost(new() { ["Sfu:Embed:AllowedOrigins:0"] = "https://app.example", ["Sfu:Embed:AllowedOrigins:1"] = "http://127.0.0.1:9000" });
        using var http2 = new HttpClient { BaseAddress = open.BaseUri };
        var csp = (await http2.GetAsync("/r/standup")).Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors https://app.example http://127.0.0.1:9000", csp, StringComparison.Ordinal);
        using var info = JsonDocument.Parse(await http2.GetStringAsync("/api/info"));
        Assert.Equal(["https://app.example", "http://127.0.0.1:9000"], info.RootElement.GetProperty("embedOrigins").EnumerateArray().Select(e => e.GetString()!));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("https://app.example/path")]
    [InlineData("javascript:alert(1)")]
    [InlineData("https://user@app.example")]
    public void An_embed_origin_that_is_not_an_origin_is_refused(string value) => Assert.False(EmbedPolicy.IsOrigin(value));

    [Fact]
    public async Task The_room_summary_counts_without_names_and_is_rate_limited()
    {
        await using var host = new SfuHost(new() { ["Sfu:Page:SummariesPerIpPerMinute"] = "3" });
        using var http = new HttpClient { BaseAddress = host.BaseUri };
        await using var ada = await host.ConnectAsync();
        await ada.JoinAsync("standup", "Ada");
        // The room's snapshot is published by its own loop, a moment after `joined` was sent.
        var rooms = host.Services.GetRequiredService<DigitalWeRoom.Sfu.Rooms.RoomRegistry>();
        for (var wait = 0; wait < 100 && rooms.Find("standup")?.Snapshot.Participants.Count != 1; wait++)
        {
            await Task.Delay(50);
        }

        var body = await http.GetStringAsync("/api/rooms/standup/summary");
        using (var summary = JsonDocument.Parse(body))
        {
            Assert.Equal(1, summary.RootElement.GetProperty("participants").GetInt32());
            Assert.Equal("sfu", summary.RootElement.GetProperty("mode").GetString());
        }

        Assert.DoesNotContain("Ada", body, StringComparison.Ordinal);
        Assert.Contains("\"participants\":0", await http.GetStringAsync("/api/rooms/nobody-here/summary"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync("/api/rooms/-bad/summary")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await http.GetAsync("/api/rooms/standup/summary")).StatusCode);
    }

    [Fact]
    public async Task With_keys_the_room_summary_needs_a_token_for_that_room()
    {
        await using var host = new SfuHost(new() { [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret });
        var tokens = host.Services.GetRequiredService<RoomTokenService>();
        using var http = new HttpClient { BaseAddress = host.BaseUri };
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/rooms/standup/summary")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", tokens.Issue(new RoomTokenRequest("ada", null, new VideoGrant { Room = "other" })).Token);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/rooms/standup/summary")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new("Bearer", tokens.Issue(new RoomTokenRequest("ada", null, new VideoGrant { Room = "standup" })).Token);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/rooms/standup/summary")).StatusCode);
    }
}
