using System.Text.Json;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Browser;

/// <summary>
/// Launches the Debian Chromium (/usr/bin/chromium) through Playwright with fake media devices.
/// test.sh runs the tests in a namespace that has only <c>lo</c>, so
/// <c>--allow-loopback-in-peer-connection</c> makes Chromium gather 127.0.0.1 candidates.
/// </summary>
internal static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>Lets the meeting page play remote audio/video without a click.</summary>
    public const string Autoplay = "--autoplay-policy=no-user-gesture-required";

    public static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
    ];

    /// <summary>Starts Playwright and one headless Chromium (<paramref name="executablePath"/>: a wrapper script, e.g. into a namespace).</summary>
    public static async Task<ChromiumBrowser> LaunchAsync(string executablePath = ExecutablePath, params string[] extraArguments)
    {
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executablePath,
                Headless = true,
                Args = [.. Arguments, .. extraArguments],
            });
            return new ChromiumBrowser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Opens <paramref name="url"/> in a fresh browser context; close it with <c>page.Context.CloseAsync()</c>.</summary>
    public static async Task<IPage> OpenPageAsync(IBrowser browser, string url, BrowserNewContextOptions? context = null, PageGotoOptions? gotoOptions = null)
    {
        var page = await (await browser.NewContextAsync(context)).NewPageAsync();
        await page.GotoAsync(url, gotoOptions);
        return page;
    }

    /// <summary>The last <c>inbound-rtp</c> entry of each kind in <c>window[<paramref name="pc"/>].getStats()</c> (zeros where none).</summary>
    public static async Task<(InboundRtp Audio, InboundRtp Video)> InboundRtpAsync(IPage page, string pc)
    {
        var json = await page.EvaluateAsync<JsonElement>("""
            async (name) => {
              const r = {};
              (await window[name].getStats()).forEach(s => {
                if (s.type !== 'inbound-rtp') return;
                r[s.kind] = { packetsReceived: s.packetsReceived || 0, framesDecoded: s.framesDecoded || 0, frameWidth: s.frameWidth || 0,
                  nackCount: s.nackCount || 0, packetsLost: s.packetsLost || 0, freezeCount: s.freezeCount || 0 };
              });
              return r;
            }
            """, pc);
        return (InboundRtp.From(json, "audio"), InboundRtp.From(json, "video"));
    }

    /// <summary>Every entry of <c>window[<paramref name="pc"/>].getStats()</c> as one JSON array (for test output).</summary>
    public static Task<string> StatsJsonAsync(IPage page, string pc) =>
        page.EvaluateAsync<string>("async (name) => { const r = []; (await window[name].getStats()).forEach(s => r.push(s)); return JSON.stringify(r); }", pc);
}

/// <summary>The counters of one <c>inbound-rtp</c> stats entry that the tests read.</summary>
internal sealed record InboundRtp(long PacketsReceived, long FramesDecoded, int FrameWidth, long NackCount, long PacketsLost, long FreezeCount)
{
    public static readonly InboundRtp None = new(0, 0, 0, 0, 0, 0);

    public static InboundRtp From(JsonElement stats, string kind)
    {
        if (!stats.TryGetProperty(kind, out var e))
        {
            return None;
        }

        long Get(string name) => e.GetProperty(name).GetInt64();
        return new InboundRtp(Get("packetsReceived"), Get("framesDecoded"), (int)Get("frameWidth"), Get("nackCount"), Get("packetsLost"), Get("freezeCount"));
    }
}

/// <summary>A Playwright instance and its Chromium; disposing closes the browser, then Playwright.</summary>
internal sealed class ChromiumBrowser(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
{
    public IPlaywright Playwright { get; } = playwright;

    public IBrowser Browser { get; } = browser;

    public void Deconstruct(out IPlaywright playwright, out IBrowser browser) => (playwright, browser) = (Playwright, Browser);

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        Playwright.Dispose();
    }
}
