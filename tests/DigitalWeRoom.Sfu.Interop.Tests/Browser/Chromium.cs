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

    public static readonly string[] Arguments =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
        "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
    ];

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Arguments,
        });
        return (playwright, browser);
    }
}
