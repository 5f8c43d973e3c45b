using System.Net.Http.Json;
using System.Text.Json;
using DigitalWeRoom.Sfu.Interop.Tests.Meeting;
using DigitalWeRoom.Sfu.Server.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Dashboard;

/// <summary>
/// Issue #5: the dashboard renders in headless Chromium with live values that match <c>/api/rooms</c>
/// and <c>/api/stats</c>; a screenshot is kept under TestResults/ as an artifact.
/// </summary>
public sealed class DashboardPageTests
{
    private static readonly string Artifacts = Path.Combine(RepoRoot(), "TestResults", "dashboard");

    [Fact]
    public async Task Dashboard_shows_live_rooms_that_match_the_room_api()
    {
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:Telemetry:SampleInterval"] = "00:00:00.250" });

        // Two real participants: the room goes peer-to-peer.
        var alice = await host.OpenAsync("dash-room", "alice");
        await alice.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
        var bob = await host.OpenAsync("dash-room", "bob");
        await Dwr.WaitForModeAsync(alice, "p2p");
        await Dwr.WaitForModeAsync(bob, "p2p");

        // A drop on a registered owner shows up in the drop table.
        var metrics = host.Services.GetRequiredService<SfuMetrics>();
        metrics.Sources.ServerDrops.Increment(Protocols.DropReason.SignalingMalformed);

        var dashboard = await alice.Context.NewPageAsync();
        var errors = new List<string>();
        dashboard.PageError += (_, e) => errors.Add(e);
        dashboard.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add(m.Text);
            }
        };
        await dashboard.GotoAsync(new Uri(host.BaseUri, "/dashboard").ToString());
        Assert.True(await dashboard.Locator("#key-form").IsHiddenAsync(), "no admin key configured: no key prompt");
        await dashboard.WaitForFunctionAsync("() => document.getElementById('participants').textContent === '2' && " +
            "document.getElementById('rooms-p2p').textContent === '1'", null, new PageWaitForFunctionOptions { Timeout = 15_000 });
        await dashboard.WaitForFunctionAsync("() => window.dwrDashboard && window.dwrDashboard.last.history.length >= 3");

        // The numbers on the page are the server's numbers.
        var rooms = await host.RoomsAsync();
        var room = rooms.EnumerateArray().Single();
        Assert.Equal(rooms.GetArrayLength().ToString(), await dashboard.TextContentAsync("#rooms"));
        Assert.Equal(room.GetProperty("participants").GetArrayLength().ToString(), await dashboard.TextContentAsync("#participants"));
        Assert.Equal("1", await dashboard.TextContentAsync("#rooms-p2p"));
        Assert.Equal("0", await dashboard.TextContentAsync("#rooms-sfu"));
        var row = dashboard.Locator("#room-table tbody tr[data-room='dash-room'] td");
        Assert.Equal(["dash-room", room.GetProperty("mode").GetString()!, "2", TrackCount(room).ToString()], await row.AllTextContentsAsync());
        Assert.Equal("1", await dashboard.Locator("#drop-table tr[data-reason='signaling_malformed'] td").Nth(1).TextContentAsync());
        Assert.True(await dashboard.Locator("#cluster").IsHiddenAsync(), "a single node shows no cluster node table");

        using var http = new HttpClient { BaseAddress = host.BaseUri };
        var stats = await http.GetFromJsonAsync<JsonElement>("/api/stats");
        Assert.Equal(stats.GetProperty("participants").GetInt32().ToString(), await dashboard.TextContentAsync("#participants"));
        Assert.EndsWith(" MiB", await dashboard.TextContentAsync("#memory"), StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d %$", await dashboard.TextContentAsync("#cpu"));

        // The charts were drawn (canvas pixels are not all transparent).
        var painted = await dashboard.EvaluateAsync<bool>(
            "() => { const c = document.getElementById('chart-participants'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; return d.some((v, i) => i % 4 === 3 && v > 0); }");
        Assert.True(painted, "participants chart is empty");

        // Drill-down: the room's participants with their tracks.
        await dashboard.Locator("#room-table tbody tr[data-room='dash-room']").ClickAsync();
        var detail = await dashboard.Locator("#room-detail-body tr td:first-child").AllTextContentsAsync();
        Assert.Equal(room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("name").GetString()!), detail);
        Assert.Contains("camera", await dashboard.TextContentAsync("#room-detail-body"), StringComparison.Ordinal);

        Directory.CreateDirectory(Artifacts);
        await dashboard.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, "dashboard.png"), FullPage = true });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task With_an_admin_key_the_page_asks_for_it_before_showing_numbers()
    {
        const string key = "dashboard-admin-key-0123456789";
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:AdminKey"] = key });
        var alice = await host.OpenAsync("keyed-room", "alice");
        await alice.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");

        var dashboard = await alice.Context.NewPageAsync();
        await dashboard.GotoAsync(new Uri(host.BaseUri, "/dashboard").ToString());
        await dashboard.Locator("#key-form").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        Assert.Equal("–", await dashboard.TextContentAsync("#participants"));
        Assert.Equal("admin key required", await dashboard.TextContentAsync("#status"));

        await dashboard.FillAsync("#key", key);
        await dashboard.ClickAsync("#key-form button");
        await dashboard.WaitForFunctionAsync("() => document.getElementById('participants').textContent === '1'");
        Assert.True(await dashboard.Locator("#key-form").IsHiddenAsync());
        Directory.CreateDirectory(Artifacts);
        await dashboard.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, "dashboard-admin-key.png"), FullPage = true });
    }

    private static int TrackCount(JsonElement room) =>
        room.GetProperty("participants").EnumerateArray().Sum(p => p.GetProperty("tracks").GetArrayLength());

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DigitalWeRoom.Sfu.sln")))
            {
                return dir.FullName;
            }
        }

        return Path.GetTempPath();
    }
}
