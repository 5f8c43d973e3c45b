using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using DigitalWeRoom.Sfu.Server.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Two participants each behind their own symmetric NAT (issue #14 (c)): Firefox and Chromium, each in a client
/// namespace behind a router namespace that masquerades with a random port per flow (endpoint-dependent mapping and
/// filtering, RFC 4787 §4.1, §5), so their server-reflexive addresses are useless to each other and only the real
/// coturn in the "public" (test) namespace, with the credentials the server mints per join, connects them. With a
/// third participant the room goes through the server and everyone's media flows.
/// </summary>
public sealed class SymmetricNatMeetingTests(ITestOutputHelper output)
{
    private const string Secret = "reach-turn-static-auth-secret-0123456789";

    [Fact(Skip = "Open (issue #14 (c)): behind two symmetric NATs the browsers select a pair with the relay on one side only " +
        "(one side's relayed address to the other's NAT mapping, peer-reflexive), media flows for about a second and stops " +
        "(coturn counts ~30 packets on that allocation); with the default 10 s P2PConnectTimeout P2P often does not connect " +
        "at all on this loaded machine. Seen with Firefox + Chromium and with two Chromium; not yet diagnosed.")]
    public async Task Two_browsers_behind_symmetric_NATs_meet_p2p_only_through_the_relay_and_a_third_takes_the_room_to_the_server()
    {
        using var foxRouter = ClientNamespace.Create();
        using var chromeRouter = ClientNamespace.Create();
        using var foxNs = foxRouter.CreateBehind();
        using var chromeNs = chromeRouter.CreateBehind();
        ClientNamespace.ForwardBetweenClients();
        foxRouter.Masquerade();
        chromeRouter.Masquerade();
        string server = foxRouter.HostAddress;
        string turn = foxRouter.AddHostAddress(3);

        using var work = TestCertificateAuthority.Create();
        await using var coturn = await Coturn.StartAsync(
        [
            "-n", $"--listening-ip={turn}", $"--relay-ip={turn}", "--listening-port=3478", "--no-tls", "--no-dtls", "--no-tcp-relay",
            "--min-port=49160", "--max-port=49300", "--use-auth-secret", $"--static-auth-secret={Secret}", "--realm=reach.test",
            $"--userdb={Path.Combine(work.Directory, "turndb")}", "--fingerprint", "--no-cli", "--log-file=stdout", "--simple-log", "--verbose",
            $"--pidfile={Path.Combine(work.Directory, "turnserver.pid")}",
        ], turn, 3478);

        await using var host = await MeetingHost.StartAsync(new()
        {
            ["urls"] = $"http://127.0.0.1:0;http://{server}:0",
            ["Sfu:Udp:BindAddress"] = "0.0.0.0",
            ["Sfu:Udp:AnnouncedAddresses:0"] = server,
            ["Sfu:Udp:AutoDetectAddresses"] = "false",
            ["Sfu:Turn:Urls:0"] = $"turn:{turn}:3478?transport=udp",
            ["Sfu:Turn:Secret"] = Secret,
            ["Sfu:BackToP2PDelay"] = "00:00:02",
            ["Sfu:P2PConnectTimeout"] = "00:00:40",
        });
        var media = host.Services.GetRequiredService<SfuMediaHost>();
        var origin = host.Addresses.First(a => a.Host == server);
        string insecure = $"--unsafely-treat-insecure-origin-as-secure={origin.GetLeftPart(UriPartial.Authority)}";

        await using var firefox = await ScriptedBrowser.LaunchAsync("firefox", foxNs.Name, FirefoxMeetingTests.InsecureOriginMedia);
        output.WriteLine($"browser: {firefox.Version}");
        var fox = await firefox.NewPageAsync();
        await fox.GotoAsync(new Uri(origin, "/r/natted?name=fox").ToString());
        await using var chromeBrowser = await Chromium.LaunchAsync(chromeNs.WriteWrapper(Chromium.ExecutablePath), Chromium.Autoplay, insecure);
        var chrome = (await MeetingHost.OpenMeetingAsync(chromeBrowser.Browser, origin, "natted", "chrome")).AsMeetingPage();
        try
        {
            await MeetAsync(host, media, coturn, foxRouter, chromeRouter, turn, fox, chrome);
        }
        catch
        {
            output.WriteLine($"firefox: {await IceDiagnostics.CandidatesAsync(fox)}");
            output.WriteLine($"chrome: {await IceDiagnostics.CandidatesAsync(chrome)}");
            output.WriteLine("coturn log:\n" + coturn.Log);
            throw;
        }
    }

    private async Task MeetAsync(MeetingHost host, SfuMediaHost media, Coturn coturn, ClientNamespace foxRouter, ClientNamespace chromeRouter,
        string turn, IMeetingPage fox, IMeetingPage chrome)
    {

        // Two: peer-to-peer, and only through the relay (each side's selected local candidate is its TURN allocation).
        await Dwr.WaitForModeAsync(fox, "p2p", 45_000);
        await Dwr.WaitForModeAsync(chrome, "p2p", 45_000);
        var foxId = await Dwr.IdAsync(fox);
        var chromeId = await Dwr.IdAsync(chrome);
        foreach (var (page, remote, what) in new[] { (fox, chromeId, "firefox <- chrome"), (chrome, foxId, "chrome <- firefox") })
        {
            var (_, after) = await Dwr.AssertFlowingAsync(page, remote, "p2p", seconds: 1);
            output.WriteLine($"{what} (p2p): {after}");
            Assert.True(after is { LocalCandidateType: "relay", RelayProtocol: "udp" }, $"{what}: not relayed: {after}");
            Assert.StartsWith(turn + ":", after.LocalAddress, StringComparison.Ordinal);
        }

        // Each NAT gave its client's flows the router's address (masquerade): coturn saw them from there.
        Assert.Contains(foxRouter.PeerAddress, coturn.Log, StringComparison.Ordinal);
        Assert.Contains(chromeRouter.PeerAddress, coturn.Log, StringComparison.Ordinal);

        // Three: the host's own Chromium joins, the room goes through the server, and media flows to everyone.
        var third = (await host.OpenAsync("natted", "third")).AsMeetingPage();
        foreach (var page in new[] { fox, chrome, third })
        {
            await Dwr.WaitForModeAsync(page, "sfu", 30_000);
        }

        var thirdId = await Dwr.IdAsync(third);
        var pages = new (IMeetingPage Page, string Id, string Name)[] { (fox, foxId, "firefox"), (chrome, chromeId, "chrome"), (third, thirdId, "third") };
        foreach (var (page, id, name) in pages)
        {
            foreach (var (_, otherId, otherName) in pages.Where(p => p.Id != id))
            {
                var (_, after) = await Dwr.AssertFlowingAsync(page, otherId, "sfu", seconds: 1);
                output.WriteLine($"{name} <- {otherName} (sfu): {after}");
            }
        }

        Assert.Equal("sfu", (await host.RoomsAsync()).EnumerateArray().Single(r => r.GetProperty("name").GetString() == "natted").GetProperty("mode").GetString());
        Assert.Equal(3, media.FindRoom("natted")!.Sessions.Count(s => s.IceTransport?.SelectedTuple is not null));
        using var http = new HttpClient { BaseAddress = host.BaseUri };
        var scrape = PrometheusText.Parse(await http.GetStringAsync("/metrics"));
        output.WriteLine("sfu_transports_selected: " + string.Join(", ", scrape.Series("sfu_transports_selected").Select(x => $"{x["transport"]}={x.Value}")));
    }
}
