using System.Text.RegularExpressions;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Participants whose network lets out nothing but TCP to port 443 (issue #14 (b) and (e)): Firefox and two
/// Chromium, each in its own client namespace whose nftables ruleset drops everything toward the server except the
/// page's HTTP port and TCP 443 of the TURN server (no UDP, no ICE-TCP 7881, no direct path between the clients).
/// The real coturn listens TLS on 443 with a certificate from a test CA that each browser trusts (certificate checks
/// stay on) and takes the credentials the server mints per join (<c>use-auth-secret</c>). Two meet peer-to-peer
/// through the relay, three through the server, each over a relayed candidate reaching TURN over TLS (RFC 8656
/// §3.1, RFC 7065 <c>turns:</c>), and back to two; the peer's video keeps playing across both switches.
/// </summary>
public sealed class TurnTlsMeetingTests(ITestOutputHelper output)
{
    internal const string Secret = "reach-turn-static-auth-secret-0123456789";

    /// <summary>The browsers reach TURN by name, as in a deployment (<c>turns:NAME:443</c>), and check the certificate against it.</summary>
    internal const string TurnName = "turn.reach.test";

    /// <summary>The real coturn: TURN over TLS only, on <paramref name="turn"/>:443, minting-compatible (<c>use-auth-secret</c>).</summary>
    internal static Task<Coturn> StartCoturnAsync(string turn, TestCertificateAuthority ca, string certificate, string key) => Coturn.StartAsync(
        [
            "-n", $"--listening-ip={turn}", $"--relay-ip={turn}", "--tls-listening-port=443", "--no-udp", "--no-tcp", "--no-dtls",
            "--min-port=49160", "--max-port=49300", $"--userdb={Path.Combine(ca.Directory, "turndb")}", "--use-auth-secret", $"--static-auth-secret={Secret}", "--realm=reach.test",
            $"--cert={certificate}", $"--pkey={key}", "--fingerprint", "--no-cli", "--log-file=stdout", "--simple-log",
            $"--pidfile={Path.Combine(ca.Directory, "turnserver.pid")}",
        ], turn, 443);

    internal static string OnlyTls443(string turn, string server, int httpPort) => $$"""
        table inet reachfw {
          chain out {
            type filter hook output priority 0;
            oifname "lo" accept
            ip daddr {{turn}} tcp dport 443 counter accept
            ip daddr {{server}} tcp dport {{httpPort}} accept
            counter drop
          }
        }
        """;

    [Fact]
    public async Task Behind_a_firewall_open_only_to_TCP_443_three_browsers_meet_through_TURN_over_TLS_and_two_return_to_p2p_through_the_relay()
    {
        using var foxNs = ClientNamespace.Create();
        using var chromeNs = ClientNamespace.Create();
        using var thirdNs = ClientNamespace.Create();
        ClientNamespace.ForwardBetweenClients();
        string server = foxNs.HostAddress;
        string turn = foxNs.AddHostAddress(3);
        using var ca = TestCertificateAuthority.Create();
        var (certificate, key) = ca.Issue("turn", TurnName, turn);
        foreach (var ns in new[] { foxNs, chromeNs, thirdNs })
        {
            ns.AddHostName(TurnName, turn);
        }


        await using var coturn = await StartCoturnAsync(turn, ca, certificate, key);

        await using var link = await LinkHost.StartAsync(server, new()
        {
            ["Sfu:Turn:Urls:0"] = $"turns:{TurnName}:443?transport=tcp",
            ["Sfu:Turn:Secret"] = Secret,
            ["Sfu:BackToP2PDelay"] = "00:00:02",
        });
        var host = link.Host;
        var media = host.Services.GetRequiredService<SfuMediaHost>();
        var origin = link.Origin;
        foreach (var ns in new[] { foxNs, chromeNs, thirdNs })
        {
            ns.ApplyRules(OnlyTls443(turn, server, origin.Port));
        }

        string insecure = link.InsecureOriginFlag;
        var opened = new List<(string Name, IMeetingPage Page)>();
        var browsers = new List<IAsyncDisposable>();
        try
        {
            var firefox = await ScriptedBrowser.LaunchAsync("firefox", foxNs.Name, FirefoxMeetingTests.InsecureOriginMedia, profile: ca.FirefoxProfile());
            browsers.Add(firefox);
            output.WriteLine($"browser: {firefox.Version}");
            var fox = await firefox.NewPageAsync();
            await fox.GotoAsync(new Uri(origin, "/r/reach443?name=fox").ToString());
            opened.Add(("firefox", fox));
            var chromeBrowser = await Chromium.LaunchAsync(chromeNs.WriteWrapper(Chromium.ExecutablePath, ca.ChromiumHome("chrome")), Chromium.Autoplay, insecure);
            browsers.Add(chromeBrowser);
            var chrome = (await MeetingHost.OpenMeetingAsync(chromeBrowser.Browser, origin, "reach443", "chrome")).AsMeetingPage();
            opened.Add(("chrome", chrome));

            // Two: peer-to-peer, and the only pair that works is relay to relay, each browser reaching coturn over TLS.
            await Dwr.WaitForModeAsync(fox, "p2p", 30_000);
            await Dwr.WaitForModeAsync(chrome, "p2p", 30_000);
            var foxId = await Dwr.IdAsync(fox);
            var chromeId = await Dwr.IdAsync(chrome);
            AssertRelayedOverTls(await Dwr.AssertFlowingAsync(fox, chromeId, "p2p", seconds: 1), "firefox <- chrome (p2p)");
            AssertRelayedOverTls(await Dwr.AssertFlowingAsync(chrome, foxId, "p2p", seconds: 1), "chrome <- firefox (p2p)");
            await PrintFirstRemoteFrameAsync(chrome, "P2P, second joiner, Chromium");
            await Dwr.WaitForPathNoteAsync(fox, "relayed (TLS)");
            await Dwr.WaitForPathNoteAsync(chrome, "relayed (TLS)");

            // 2 -> 3, make before break on the relayed path: the two keep seeing each other while they move to the server.
            // The third browser starts before the measured interval: launching it on a loaded two-core machine stalls
            // the others' decoders for a moment while the room is still peer-to-peer, which is not the switch.
            var thirdBrowser = await Chromium.LaunchAsync(thirdNs.WriteWrapper(Chromium.ExecutablePath, ca.ChromiumHome("third")), Chromium.Autoplay, insecure);
            browsers.Add(thirdBrowser);
            var views = new[] { (fox, chromeId), (chrome, foxId) };
            var since = await FrameGaps.MarkAsync(views);
            var third = (await MeetingHost.OpenMeetingAsync(thirdBrowser.Browser, origin, "reach443", "third")).AsMeetingPage();
            opened.Add(("third", third));
            var gapUp = await FrameGaps.LongestAsync(views, since, async () =>
                    await Dwr.ModeAsync(fox) == "sfu" && await Dwr.ModeAsync(chrome) == "sfu"
                    && !(await fox.EvaluateAsync("() => window.dwr.hasP2P")).GetBoolean() && !(await chrome.EvaluateAsync("() => window.dwr.hasP2P")).GetBoolean(),
                TimeSpan.FromSeconds(45), output.WriteLine);
            output.WriteLine($"2→3 longest frame gap over TURN/TLS: {gapUp:F0} ms");
            await Dwr.WaitForModeAsync(third, "sfu", 30_000);
            var thirdId = await Dwr.IdAsync(third);
            await PrintFirstRemoteFrameAsync(third, "SFU, third joiner, Chromium");
            output.WriteLine($"turn-tls third joiner timeline: {await ConnectTimeline.ReadAsync(third, media, "reach443")}");

            var pages = new (IMeetingPage Page, string Id, string Name)[] { (fox, foxId, "firefox"), (chrome, chromeId, "chrome"), (third, thirdId, "third") };
            foreach (var (page, id, name) in pages)
            {
                foreach (var (_, otherId, otherName) in pages.Where(p => p.Id != id))
                {
                    var flowing = await Dwr.AssertFlowingAsync(page, otherId, "sfu", seconds: 1);
                    AssertRelayedOverTls(flowing, $"{name} <- {otherName} (sfu)");
                    Assert.Equal($"{server}:{media.Endpoint.Port}", flowing.After.RemoteAddress);
                }

                // What the participant sees: the header notes the relayed path.
                await Dwr.WaitForPathNoteAsync(page, "relayed (TLS)");
            }

            // The server's side: three connections, each from coturn's relayed address (RFC 8656 §2), none direct.
            var selected = media.FindRoom("reach443")!.Sessions.Select(s => s.IceTransport?.SelectedTuple?.ToIPEndPoint().Address.ToString() ?? "none").ToArray();
            Assert.Equal([turn, turn, turn], selected);

            foreach (var ns in new[] { foxNs, chromeNs, thirdNs })
            {
                var rules = ns.Nft("list table inet reachfw");
                Assert.True(ClientNamespace.CounterPackets(rules, "out") > 0, $"no TLS to {turn}:443 from {ns.Name}: {rules}");
                Assert.True(DroppedPackets(rules) > 0, $"{ns.Name} tried no other path first: {rules}");
            }

            Assert.True(gapUp < FrameGaps.RelayedBoundMs, $"2→3 gap {gapUp:F0} ms");

            // 3 -> 2: back to peer-to-peer through the relay, and again without a visible stall.
            browsers.Remove(thirdBrowser);
            await thirdBrowser.DisposeAsync();
            var gapDown = await FrameGaps.LongestAsync(views, await FrameGaps.MarkAsync(views),
                async () => await Dwr.ModeAsync(fox) == "p2p" && await Dwr.ModeAsync(chrome) == "p2p", TimeSpan.FromSeconds(45), output.WriteLine);
            output.WriteLine($"3→2 longest frame gap over TURN/TLS: {gapDown:F0} ms");
            AssertRelayedOverTls(await Dwr.AssertFlowingAsync(fox, chromeId, "p2p", seconds: 1), "firefox <- chrome (p2p again)");
            AssertRelayedOverTls(await Dwr.AssertFlowingAsync(chrome, foxId, "p2p", seconds: 1), "chrome <- firefox (p2p again)");
            Assert.True(gapDown < FrameGaps.BoundMs, $"3→2 gap {gapDown:F0} ms");
        }
        catch
        {
            foreach (var (name, page) in opened)
            {
                output.WriteLine($"{name}: {await IceDiagnostics.CandidatesAsync(page)}");
            }

            output.WriteLine("coturn log:\n" + coturn.Log);
            throw;
        }
        finally
        {
            foreach (var browser in Enumerable.Reverse(browsers))
            {
                await browser.DisposeAsync();
            }
        }
    }

    private void AssertRelayedOverTls((PathStats Before, PathStats After) flowing, string what)
    {
        var after = flowing.After;
        output.WriteLine($"{what}: {after}");
        Assert.True(after is { LocalCandidateType: "relay", RelayProtocol: "tls" }, $"{what}: not relayed over TLS: {after}");
    }

    private async Task PrintFirstRemoteFrameAsync(IMeetingPage page, string what)
    {
        var ms = await Dwr.FirstRemoteFrameMsAsync(page);
        output.WriteLine($"turn-tls first remote frame: {ms:F0} ms ({what}; from the page's navigation start)");
    }

    /// <summary>The packets of the ruleset's final <c>counter drop</c> rule.</summary>
    private static long DroppedPackets(string listing)
    {
        var match = Regex.Match(listing, @"counter packets (\d+) bytes \d+ drop");
        return match.Success ? long.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }
}
