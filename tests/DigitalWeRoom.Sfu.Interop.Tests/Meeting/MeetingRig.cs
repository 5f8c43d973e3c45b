using DigitalWeRoom.Sfu.Interop.Tests.Browser;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// The server plus every participant in one browser engine, so one test body runs in both (a theory over
/// <see cref="Engines"/>). Chromium: Playwright, pages on 127.0.0.1 (<see cref="MeetingHost.OpenAsync"/>). Firefox ESR
/// (puppeteer-core over WebDriver BiDi): in a client namespace with a default route, which Firefox needs to gather
/// candidates (TESTING-NOTES §6); the server also listens and announces on that link's address, and pages use it.
/// Make it with <see cref="Prepare"/>, learn <see cref="PageAddress"/> (for a host app's origin), then <see cref="StartAsync"/>.
/// </summary>
internal sealed class MeetingRig : IAsyncDisposable
{
    private readonly ClientNamespace? _ns;
    private ScriptedBrowser? _firefox;

    private MeetingRig(string engine)
    {
        Engine = engine;
        _ns = engine == "firefox" ? ClientNamespace.Create() : null;
    }

    /// <summary>The engines a meeting theory runs in.</summary>
    public static TheoryData<string> Engines => new() { "chromium", "firefox" };

    public string Engine { get; }

    public MeetingHost Host { get; private set; } = null!;

    /// <summary>The address this engine's pages reach the server (and a test's own page servers) on.</summary>
    public string PageAddress => _ns?.HostAddress ?? "127.0.0.1";

    /// <summary>The server's origin as this engine's pages see it.</summary>
    public Uri Origin { get; private set; } = null!;

    public static MeetingRig Prepare(string engine) => engine is "chromium" or "firefox"
        ? new MeetingRig(engine)
        : throw new ArgumentOutOfRangeException(nameof(engine), engine, "chromium or firefox");

    public static async Task<MeetingRig> StartAsync(string engine, Dictionary<string, string?>? settings = null) =>
        await Prepare(engine).StartAsync(settings);

    public async Task<MeetingRig> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>(settings ?? []);
        if (_ns is not null)
        {
            all["urls"] = $"http://127.0.0.1:0;http://{_ns.HostAddress}:0";
            all["Sfu:Udp:BindAddress"] = "0.0.0.0";
            all["Sfu:Udp:AnnouncedAddresses:0"] = _ns.HostAddress;
            all["Sfu:Udp:AutoDetectAddresses"] = "false";
        }

        Host = await MeetingHost.StartAsync(all);
        Origin = Host.Addresses.First(a => a.Host == PageAddress);
        if (_ns is not null)
        {
            _firefox = await ScriptedBrowser.LaunchAsync("firefox", _ns.Name, FirefoxMeetingTests.InsecureOriginMedia);
        }

        return this;
    }

    /// <summary>
    /// A participant: /r/{room}?name={name}{query} in a fresh page (a fresh context in Chromium, a new tab in Firefox).
    /// <paramref name="initScript"/> runs in the page before its own scripts.
    /// </summary>
    public async Task<IMeetingPage> OpenAsync(string room, string name, string query = "", string? initScript = null)
    {
        if (_firefox is null)
        {
            return (await Host.OpenAsync(room, name, query, initScript is null ? null : c => c.AddInitScriptAsync(initScript))).AsMeetingPage();
        }

        var page = await _firefox.NewPageAsync();
        if (initScript is not null)
        {
            await page.AddInitScriptAsync(initScript);
        }

        await page.GotoAsync(new Uri(Origin, $"/r/{room}?name={Uri.EscapeDataString(name)}{query}").ToString());
        return page;
    }

    /// <summary>Any page (a host app embedding the meeting), with camera and microphone allowed.</summary>
    public async Task<IMeetingPage> OpenPageAsync(string url)
    {
        if (_firefox is null)
        {
            var context = await Host.Browser.NewContextAsync(new() { Permissions = ["camera", "microphone"] });
            var chromiumPage = await context.NewPageAsync();
            await chromiumPage.GotoAsync(url);
            return chromiumPage.AsMeetingPage();
        }

        var page = await _firefox.NewPageAsync();
        await page.GotoAsync(url);
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (_firefox is not null)
        {
            await _firefox.DisposeAsync();
        }

        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        _ns?.Dispose();
    }
}
