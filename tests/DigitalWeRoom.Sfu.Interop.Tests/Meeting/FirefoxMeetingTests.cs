using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// A second browser engine in the same room as Chromium: the Debian Firefox ESR (WebDriver BiDi through
/// puppeteer-core) meets Chromium peer-to-peer, then through the server when a third participant joins, then
/// peer-to-peer again when that participant leaves. Firefox and one Chromium run in a test-made namespace with a
/// default route (Firefox gathers no candidates without one); the page is served on the namespace link's address.
/// </summary>
public sealed class FirefoxMeetingTests(ITestOutputHelper output)
{
    /// <summary>Lets Firefox use its fake camera on the plain-http, non-localhost origin of the test link.</summary>
    internal static readonly Dictionary<string, object> InsecureOriginMedia = new()
    {
        ["media.devices.insecure.enabled"] = true,
        ["media.getusermedia.insecure.enabled"] = true,
    };

    [Fact]
    public async Task Firefox_and_chromium_meet_p2p_then_through_the_server_then_p2p_again()
    {
        using var ns = ClientNamespace.Create();
        await using var link = await LinkHost.StartAsync(ns.HostAddress);
        var host = link.Host;
        var origin = link.Origin;
        var room = new Uri(origin, "/r/engines?name=");

        await using var firefox = await ScriptedBrowser.LaunchAsync("firefox", ns.Name, InsecureOriginMedia);
        output.WriteLine($"browser: {firefox.Version}");
        var fox = await firefox.NewPageAsync();
        await fox.GotoAsync(room + "fox");
        await using var farChromium = await Chromium.LaunchAsync(ns.WriteWrapper(Chromium.ExecutablePath), Chromium.Autoplay, link.InsecureOriginFlag);
        var chrome = (await MeetingHost.OpenMeetingAsync(farChromium.Browser, origin, "engines", "chrome")).AsMeetingPage();

        var (foxId, chromeId) = await Dwr.AssertMeetingP2PAsync(fox, chrome);

        // A third participant (Chromium in the test namespace, page on 127.0.0.1) switches the room to the server path.
        var third = await host.OpenAsync("engines", "third");
        await Dwr.WaitForModeAsync(fox, "sfu", 30_000);
        await Dwr.WaitForModeAsync(chrome, "sfu", 30_000);
        var thirdId = await Dwr.IdAsync(third);
        await Dwr.AssertFlowingAsync(fox, chromeId, "sfu", seconds: 1);
        await Dwr.AssertFlowingAsync(fox, thirdId, "sfu", seconds: 1);
        await Dwr.AssertFlowingAsync(chrome, foxId, "sfu", seconds: 1);
        var (_, thirdSeesFox) = await Dwr.AssertFlowingAsync(third, foxId, "sfu", seconds: 1);
        output.WriteLine($"third receives Firefox through the server: {thirdSeesFox}");

        await third.Context.CloseAsync();
        await Dwr.AssertMeetingP2PAsync(fox, chrome, 30_000);
    }
}
