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

    [Fact]
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

        // The relay policy we ship (deploy/docker/compose.yaml, deploy/tfgrid/scripts/coturn-start): no relaying to private
        // ranges. Here 10.77/16 plays the public internet and 10.78/16 the private networks behind the NATs. Without it
        // coturn 4.6 relays the browsers' checks toward each other's private host candidates; the test namespace has no
        // route there, sendto fails with ENETUNREACH, and coturn then marks that allocation's relay socket to be closed
        // and relays nothing more on it: media that had just started through the relay stopped after about a second.
        using var work = TestCertificateAuthority.Create();
        await using var coturn = await Coturn.StartAsync(
        [
            "-n", $"--listening-ip={turn}", $"--relay-ip={turn}", "--listening-port=3478", "--no-tls", "--no-dtls", "--no-tcp-relay",
            "--min-port=49160", "--max-port=49300", "--use-auth-secret", $"--static-auth-secret={Secret}", "--realm=reach.test",
            $"--userdb={Path.Combine(work.Directory, "turndb")}", "--fingerprint", "--denied-peer-ip=10.78.0.0-10.78.255.255",
            "--no-cli", "--log-file=stdout", "--simple-log", "--verbose",
            $"--pidfile={Path.Combine(work.Directory, "turnserver.pid")}",
        ], turn, 3478);

        await using var link = await LinkHost.StartAsync(server, new()
        {
            ["Sfu:Turn:Urls:0"] = $"turn:{turn}:3478?transport=udp",
            ["Sfu:Turn:Secret"] = Secret,
            ["Sfu:BackToP2PDelay"] = "00:00:02",
        });
        var host = link.Host;
        var media = host.Services.GetRequiredService<SfuMediaHost>();
        var origin = link.Origin;
        string insecure = link.InsecureOriginFlag;

        await using var firefox = await ScriptedBrowser.LaunchAsync("firefox", foxNs.Name, FirefoxMeetingTests.InsecureOriginMedia);
        output.WriteLine($"browser: {firefox.Version}");
        var fox = await firefox.NewPageAsync();
        await fox.GotoAsync(new Uri(origin, "/r/natted?name=fox").ToString());
        await IceDiagnostics.StartP2PTraceAsync(fox);
        await using var chromeBrowser = await Chromium.LaunchAsync(chromeNs.WriteWrapper(Chromium.ExecutablePath), Chromium.Autoplay, insecure);
        var chrome = (await MeetingHost.OpenMeetingAsync(chromeBrowser.Browser, origin, "natted", "chrome")).AsMeetingPage();
        await IceDiagnostics.StartP2PTraceAsync(chrome);
        try
        {
            await MeetAsync(host, media, coturn, (foxRouter, foxNs), (chromeRouter, chromeNs), turn, fox, chrome);
        }
        catch
        {
            output.WriteLine($"firefox: {await IceDiagnostics.CandidatesAsync(fox)}");
            output.WriteLine($"chrome: {await IceDiagnostics.CandidatesAsync(chrome)}");
            output.WriteLine("coturn log:\n" + coturn.Log);
            output.WriteLine("fox trace:\n" + await IceDiagnostics.P2PTraceAsync(fox));
            output.WriteLine("chrome trace:\n" + await IceDiagnostics.P2PTraceAsync(chrome));
            foreach (var router in new[] { foxRouter, chromeRouter })
            {
                try
                {
                    output.WriteLine($"{router.Name} conntrack:\n" + ClientNamespace.Run("ip", $"netns exec {router.Name} conntrack -L -p udp"));
                }
                catch (InvalidOperationException e)
                {
                    output.WriteLine(e.Message);
                }
            }
            throw;
        }
    }

    private async Task MeetAsync(MeetingHost host, SfuMediaHost media, Coturn coturn, (ClientNamespace Router, ClientNamespace Inside) foxNat,
        (ClientNamespace Router, ClientNamespace Inside) chromeNat, string turn, IMeetingPage fox, IMeetingPage chrome)
    {
        // Two: peer-to-peer within the product's default P2PConnectTimeout, and only through the relay. With both
        // NATs symmetric no direct pair can work; ICE may select relay <-> relay, or one side's relayed address with the
        // other side's NAT mapping (peer-reflexive, learnt from the check that came through the relay): the relay is
        // in the selected pair on both sides either way.
        var started = DateTime.UtcNow;
        await Dwr.WaitForModeAsync(fox, "p2p", 45_000);
        await Dwr.WaitForModeAsync(chrome, "p2p", 45_000);
        output.WriteLine($"p2p through the relay after {(DateTime.UtcNow - started).TotalSeconds:F1} s");
        var foxId = await Dwr.IdAsync(fox);
        var chromeId = await Dwr.IdAsync(chrome);
        foreach (var (page, remote, what) in new[] { (fox, chromeId, "firefox <- chrome"), (chrome, foxId, "chrome <- firefox") })
        {
            // Media keeps decoding for 5 s: the failure this test once had flowed for about a second, then stopped.
            var (before, after) = await Dwr.AssertFlowingAsync(page, remote, "p2p", seconds: 5);
            output.WriteLine($"{what} (p2p): {after}; {after.VideoFramesDecoded - before.VideoFramesDecoded} frames in 5 s");
            bool relayed = after.LocalCandidateType == "relay"
                ? after.RelayProtocol == "udp" && after.LocalAddress!.StartsWith(turn + ":", StringComparison.Ordinal)
                : after.RemoteAddress!.StartsWith(turn + ":", StringComparison.Ordinal);
            Assert.True(relayed, $"{what}: the selected pair does not go through the relay: {after}");
        }

        // Each NAT gave its client's flows the router's address (masquerade): coturn saw them from there. And each is
        // symmetric: the browser's socket that talks to coturn and to the other side got a different outside port per
        // destination (RFC 4787 §4.1), read from the router's connection tracking table.
        foreach (var (router, inside) in new[] { foxNat, chromeNat })
        {
            // turnserver's output reaches us through a pipe: a line may come after the traffic it describes.
            Assert.True(await SimulcastPage.WaitUntilAsync(() => Task.FromResult(coturn.Logged(router.PeerAddress)), TimeSpan.FromSeconds(10)),
                $"coturn never saw {router.PeerAddress}");
            var mappings = NatMappings.Read(router).Where(m => m.Key.StartsWith(inside.PeerAddress + ":", StringComparison.Ordinal)).ToList();
            output.WriteLine($"{router.Name}: " + string.Join("; ", mappings.Select(m => $"{m.Key} -> {string.Join(",", m.Value)}")));
            Assert.Contains(mappings, m => m.Value.Count >= 2);
        }

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
