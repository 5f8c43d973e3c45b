using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>One server and three Chromium participants (alice watches), shared by the layout checks.</summary>
public sealed class ChromiumThreeInARoom : IAsyncLifetime
{
    internal MeetingHost Host { get; private set; } = null!;

    internal IPage Alice { get; private set; } = null!;

    internal IPage Carol { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await MeetingHost.StartAsync();
        Alice = await Host.OpenAsync("layout", "alice");
        await Alice.SetViewportSizeAsync(1280, 800);
        await Dwr.IdAsync(Alice.AsMeetingPage());
        await Host.OpenAsync("layout", "bob");
        Carol = await Host.OpenAsync("layout", "carol", "&fakeScreen=1");
        await Alice.WaitForFunctionAsync("() => window.dwr.participants.length === 2 && window.dwr.mode === 'sfu'", null, new() { Timeout = 30_000 });
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The page's layout in Chromium (LayoutChecks): start, pre-join, grid, chat, phone, stage.</summary>
public sealed class MeetingLayoutTests(ChromiumThreeInARoom room) : IClassFixture<ChromiumThreeInARoom>
{
    private const string Engine = "chromium";

    [Fact]
    public async Task Start_page_fits_every_width_and_passes_axe()
    {
        var page = await Chromium.OpenPageAsync(room.Alice.Context.Browser!, room.Host.BaseUri.ToString());
        await LayoutChecks.StartPageAsync(page.AsMeetingPage(), Engine);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Pre_join_shows_the_preview_and_the_room()
    {
        var page = await room.Alice.Context.Browser!.NewContextAsync(new() { Permissions = ["camera", "microphone"], ViewportSize = new() { Width = 1280, Height = 800 } });
        var tab = await page.NewPageAsync();
        await tab.GotoAsync(new Uri(room.Host.BaseUri, "/r/layout").ToString());
        await LayoutChecks.PreJoinAsync(tab.AsMeetingPage(), Engine);
        Assert.Contains("3 people", await tab.TextContentAsync("#room-status"), StringComparison.Ordinal);
        await page.CloseAsync();
    }

    [Fact]
    public Task Three_people_fill_the_viewport_and_the_bar_is_compact() => LayoutChecks.GridAsync(room.Alice.AsMeetingPage(), Engine);

    [Fact]
    public Task On_a_phone_tiles_are_full_width_and_controls_fit() => LayoutChecks.PhoneAsync(room.Alice.AsMeetingPage(), Engine);

    [Fact]
    public Task A_shared_screen_takes_the_stage() => LayoutChecks.StageAsync(room.Alice.AsMeetingPage(), Engine,
        () => room.Carol.EvaluateAsync("() => window.dwr.startScreenShare()"),
        () => room.Carol.EvaluateAsync("() => window.dwr.stopScreenShare()"));
}
