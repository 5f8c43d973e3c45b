using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// One server, Firefox ESR watching (in a client namespace with a default route, which Firefox needs to gather ICE
/// candidates; page on the namespace link's address) and two Chromium participants, shared by the layout checks.
/// </summary>
public sealed class FirefoxThreeInARoom : IAsyncLifetime
{
    private ClientNamespace? _ns;

    internal MeetingHost Host { get; private set; } = null!;

    internal ScriptedBrowser Firefox { get; private set; } = null!;

    internal ScriptedPage Fox { get; private set; } = null!;

    internal IPage Carol { get; private set; } = null!;

    internal Uri Origin { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _ns = ClientNamespace.Create();
        Host = await MeetingHost.StartAsync(new()
        {
            ["urls"] = $"http://127.0.0.1:0;http://{_ns.HostAddress}:0",
            ["Sfu:Udp:BindAddress"] = "0.0.0.0",
            ["Sfu:Udp:AnnouncedAddresses:0"] = _ns.HostAddress,
            ["Sfu:Udp:AutoDetectAddresses"] = "false",
        });
        Origin = Host.Addresses.First(a => a.Host == _ns.HostAddress);
        Firefox = await ScriptedBrowser.LaunchAsync("firefox", _ns.Name, FirefoxMeetingTests.InsecureOriginMedia);
        Fox = await Firefox.NewPageAsync(1280, 800);
        await Fox.GotoAsync(new Uri(Origin, "/r/layout-fx?name=fox").ToString());
        await Dwr.IdAsync(Fox);
        await Host.OpenAsync("layout-fx", "bob");
        Carol = await Host.OpenAsync("layout-fx", "carol", "&fakeScreen=1");
        await Fox.WaitForFunctionAsync("() => window.dwr.participants.length === 2 && window.dwr.mode === 'sfu'", null, 30_000);
    }

    public async Task DisposeAsync()
    {
        await Firefox.DisposeAsync();
        await Host.DisposeAsync();
        _ns?.Dispose();
    }
}

/// <summary>The page's layout in Firefox (LayoutChecks): start, pre-join, grid, chat, phone, stage.</summary>
public sealed class FirefoxLayoutTests(FirefoxThreeInARoom room) : IClassFixture<FirefoxThreeInARoom>
{
    private const string Engine = "firefox";

    [Fact]
    public async Task Start_page_fits_every_width_and_passes_axe()
    {
        var page = await room.Firefox.NewPageAsync(1280, 800);
        await page.GotoAsync(new Uri(room.Origin, "/").ToString());
        await LayoutChecks.StartPageAsync(page, Engine);
        await page.CloseAsync();
    }

    [Fact]
    public async Task Pre_join_shows_the_preview_and_the_room()
    {
        var page = await room.Firefox.NewPageAsync(1280, 800);
        await page.GotoAsync(new Uri(room.Origin, "/r/layout-fx").ToString());
        await LayoutChecks.PreJoinAsync(page, Engine);
        await page.CloseAsync();
    }

    [Fact]
    public Task Three_people_fill_the_viewport_and_the_bar_is_compact() => LayoutChecks.GridAsync(room.Fox, Engine);

    [Fact]
    public Task On_a_phone_tiles_are_full_width_and_controls_fit() => LayoutChecks.PhoneAsync(room.Fox, Engine);

    [Fact]
    public Task A_shared_screen_takes_the_stage() => LayoutChecks.StageAsync(room.Fox, Engine,
        () => room.Carol.EvaluateAsync("() => window.dwr.startScreenShare()"),
        () => room.Carol.EvaluateAsync("() => window.dwr.stopScreenShare()"));
}
