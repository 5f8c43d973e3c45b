using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Issue #14 "Measure": a participant's first remote frame over each path to the server (direct UDP, ICE-TCP with UDP
/// dropped, TURN/TLS with only TCP 443 open), in Chromium and Firefox, each in its own client namespace with real
/// nftables rules. A Chromium publisher is in the room already (<c>?p2p=0</c> on both pages: the server path at once,
/// so the figure is the path's and not the P2P→SFU switch's); the subscriber opens the page <see cref="Runs"/> times.
/// Prints per run the page's and the server's timeline (<see cref="ConnectTimeline"/>) and per browser the medians of
/// navigation → first remote frame, join → first remote frame and join → connected (ICE + DTLS). DWR_BENCH=1 only.
/// </summary>
public sealed class FirstFrameBenchmarks(ITestOutputHelper output)
{
    private const int Runs = 3;

    [BenchmarkFact]
    public Task First_remote_frame_over_UDP() => MeasureAsync("udp", null, (_, _, _) => null);

    [BenchmarkFact]
    public Task First_remote_frame_over_ICE_TCP() => MeasureAsync("ice-tcp", "/tcp", (_, server, _) => ReachMeetingTests.DropUdpTo(server));

    [BenchmarkFact]
    public Task First_remote_frame_over_TURN_TLS() => MeasureAsync("turn-tls", "relay/udp/tls", (turn, server, http) => TurnTlsMeetingTests.OnlyTls443(turn!, server, http), turn: true);

    /// <summary><paramref name="pathPart"/>: what the selected local candidate must show (<c>type/protocol[/relayProtocol]</c>), null for any.</summary>
    private async Task MeasureAsync(string label, string? pathPart, Func<string?, string, int, string?> rules, bool turn = false)
    {
        using var ns = ClientNamespace.Create();
        string server = ns.HostAddress;
        using var ca = TestCertificateAuthority.Create();
        string? turnAddress = turn ? ns.AddHostAddress(3) : null;
        Coturn? coturn = null;
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:0;http://{server}:0",
            ["Sfu:Udp:BindAddress"] = "0.0.0.0",
            ["Sfu:Udp:AnnouncedAddresses:0"] = server,
            ["Sfu:Udp:AutoDetectAddresses"] = "false",
        };
        if (turnAddress is not null)
        {
            var (certificate, key) = ca.Issue("turn", TurnTlsMeetingTests.TurnName, turnAddress);
            ns.AddHostName(TurnTlsMeetingTests.TurnName, turnAddress);
            coturn = await TurnTlsMeetingTests.StartCoturnAsync(turnAddress, ca, certificate, key);
            settings["Sfu:Turn:Urls:0"] = $"turns:{TurnTlsMeetingTests.TurnName}:443?transport=tcp";
            settings["Sfu:Turn:Secret"] = TurnTlsMeetingTests.Secret;
        }

        try
        {
            await using var host = await MeetingHost.StartAsync(settings);
            var media = host.Services.GetRequiredService<SfuMediaHost>();
            var origin = host.Addresses.First(a => a.Host == server);
            if (rules(turnAddress, server, origin.Port) is { } ruleset)
            {
                ns.ApplyRules(ruleset);
            }

            string room = $"first-{label}";
            // The publisher's page is on 127.0.0.1 (a secure context for getUserMedia), its media on the announced address.
            var publisher = await host.OpenAsync(room, "publisher", "&p2p=0");
            await publisher.WaitForFunctionAsync("() => window.dwr && window.dwr.mode === 'sfu' && window.dwr.cameraState === 'live'");
            string insecure = $"--unsafely-treat-insecure-origin-as-secure={origin.GetLeftPart(UriPartial.Authority)}";
            foreach (var engine in new[] { "chromium", "firefox" })
            {
                var timelines = new List<ConnectTimeline>();
                if (engine == "chromium")
                {
                    await using var chromium = await Chromium.LaunchAsync(ns.WriteWrapper(Chromium.ExecutablePath, ca.ChromiumHome("sub")), Chromium.Autoplay, insecure);
                    for (var run = 0; run < Runs; run++)
                    {
                        var page = (await MeetingHost.OpenMeetingAsync(chromium.Browser, origin, room, $"sub{run}", "&p2p=0")).AsMeetingPage();
                        timelines.Add(await ReadAsync(page, media, room, label, engine, run));
                    }
                }
                else
                {
                    await using var firefox = await ScriptedBrowser.LaunchAsync("firefox", ns.Name, FirefoxMeetingTests.InsecureOriginMedia, profile: ca.FirefoxProfile());
                    for (var run = 0; run < Runs; run++)
                    {
                        var page = await firefox.NewPageAsync();
                        await page.GotoAsync(new Uri(origin, $"/r/{room}?name=sub{run}&p2p=0").ToString());
                        timelines.Add(await ReadAsync(page, media, room, label, engine, run));
                    }
                }

                output.WriteLine($"{label} {engine}: navigation → first remote frame median {Median(timelines, t => t.FirstFrameFromNavigation):F0} ms, " +
                    $"join → first remote frame {Median(timelines, t => t.FirstFrameFromJoin):F0} ms, join → connected (ICE+DTLS) {Median(timelines, t => t.ConnectedFromJoin):F0} ms " +
                    $"[{string.Join(", ", timelines.Select(t => $"{t.FirstFrameFromNavigation:F0}/{t.FirstFrameFromJoin:F0}/{t.ConnectedFromJoin:F0}"))}]");
                if (pathPart is not null)
                {
                    Assert.All(timelines, t => Assert.Contains(pathPart, t.Path, StringComparison.Ordinal));
                }
            }
        }
        finally
        {
            if (coturn is not null)
            {
                await coturn.DisposeAsync();
            }
        }
    }

    private async Task<ConnectTimeline> ReadAsync(IMeetingPage page, SfuMediaHost media, string room, string label, string engine, int run)
    {
        var timeline = await ConnectTimeline.ReadAsync(page, media, room);
        output.WriteLine($"{label} {engine} run {run}: {timeline}");
        await page.CloseAsync();
        return timeline;
    }

    private static double Median(List<ConnectTimeline> timelines, Func<ConnectTimeline, double> value)
    {
        var sorted = timelines.Select(value).Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
