using System.Diagnostics;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Server.SfuPath;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Issue #4 item 5 with Chromium: a subscriber behind a 300 kbit/s token bucket (tc tbf on a veth pair into a
/// test-made network namespace; netem is not in this kernel) gets the lowest simulcast layer while an unconstrained
/// one keeps the top; removing the limit brings the top layer back.
/// </summary>
public sealed class SimulcastBandwidthTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_subscriber_behind_300_kbits_gets_the_lowest_layer_and_the_top_layer_returns_when_the_limit_is_lifted()
    {
        if (!OperatingSystem.IsLinux() || !Environment.UserName.Equals("root", StringComparison.Ordinal) || (!File.Exists("/usr/sbin/tc") && !File.Exists("/sbin/tc")))
        {
            output.WriteLine("needs root and tc (network namespaces, tbf): not run");
            return;
        }

        var tag = Random.Shared.Next(0x1000, 0xFFFF).ToString("x4", System.Globalization.CultureInfo.InvariantCulture);
        var ns = $"dwr-bw{tag}";
        var (hostSide, subSide) = ($"dwb{tag}a", $"dwb{tag}b");
        var octet = Random.Shared.Next(10, 250);
        var serverAddress = $"10.77.{octet}.1";
        var wrapper = Path.Combine(Path.GetTempPath(), $"chromium-{ns}.sh");
        try
        {
            Ip($"netns add {ns}");
            Ip($"link add {hostSide} type veth peer name {subSide}");
            Ip($"link set {subSide} netns {ns}");
            Ip($"addr add {serverAddress}/24 dev {hostSide}");
            Ip($"link set {hostSide} up");
            Ip($"-n {ns} addr add 10.77.{octet}.2/24 dev {subSide}");
            Ip($"-n {ns} link set {subSide} up");
            Ip($"-n {ns} link set lo up");
            Run("tc", $"qdisc add dev {hostSide} root tbf rate 300kbit burst 16kb latency 50ms");

            await using var host = await MeetingHost.StartAsync(new()
            {
                ["Sfu:P2PEnabled"] = "false",
                ["urls"] = $"http://127.0.0.1:0;http://{serverAddress}:0",
                ["Sfu:Udp:BindAddress"] = "0.0.0.0",
                ["Sfu:Udp:AnnouncedAddresses:0"] = serverAddress,
            });
            var addresses = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
            var outside = new Uri(addresses.First(a => a.Contains(serverAddress, StringComparison.Ordinal)));

            var a = await host.OpenAsync("bw", "alice", "&camera=1280x720");
            await a.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
            var aId = await Dwr.IdAsync(a);
            var b = await host.OpenAsync("bw", "bob", "&camera=1280x720");

            // Carol: a Chromium inside the namespace, behind the token bucket (receives only; no camera on http://10.77...).
            await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec ip netns exec {ns} {Chromium.ExecutablePath} \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await using var carolChromium = await Chromium.LaunchAsync(wrapper, Chromium.Autoplay);
            var c = await Chromium.OpenPageAsync(carolChromium.Browser, new Uri(outside, "/r/bw?name=carol").ToString(),
                gotoOptions: new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 30_000 });
            foreach (var page in new[] { a, b, c })
            {
                await Dwr.WaitForModeAsync(page, "sfu", 30_000);
            }

            var media = host.Services.GetRequiredService<SfuMediaHost>().FindRoom("bw")!;
            var cId = await Dwr.IdAsync(c);
            string Budgets()
            {
                var parts = new List<string>();
                foreach (var t in media.Router.Transports)
                {
                    var bw = t.Bandwidth;
                    parts.Add($"{t.Id}{(t.Id == cId ? "(carol)" : "")}: est {bw.Estimate / 1000:F0}k budget {(double.IsFinite(bw.Budget) ? $"{bw.Budget / 1000:F0}k" : "inf")} limited {bw.Gate.IsLimited} x{bw.Gate.Limitations} loss {bw.Estimator.LossFraction:P0} feedbacks {bw.Estimator.FeedbacksProcessed} acked {bw.Estimator.AckedBitrate / 1000:F0}k stamped {bw.Stamped} unstamped {bw.Unstamped} layers [{string.Join(",", t.Consumers.ToArray().Where(x => x.Simulcast is not null).Select(x => $"{x.Simulcast!.CurrentLayer}/{x.Simulcast.TargetLayer}"))}]");
                }

                var k = media.Router.Counters;
                parts.Add($"router: forwarded {k.ForwardedPackets} retransmitted {k.RetransmittedPackets} nacks in {k.NacksReceived} key frame requests {k.KeyFrameRequestsSent} (+{k.KeyFrameRequestsThrottled} throttled)");
                var carol = media.Router.Transports.ToArray().FirstOrDefault(t => t.Id == cId);
                if (carol is not null)
                {
                    parts.Add($"carol streams: {string.Join(", ", carol.Consumers.ToArray().Select(x => $"{x.Kind} {x.PacketsEnqueued}"))}");
                }

                return string.Join("; ", parts);
            }

            // Both show alice big: the tile asks for the top layer everywhere.
            await SimulcastPage.WaitUntilAsync(async () => await c.EvaluateAsync<bool>($"() => !!document.querySelector('.tile[data-key=\"{aId}\"]')"), TimeSpan.FromSeconds(20));
            await SimulcastPage.SetTileSizeAsync(b, aId, 1280, 720);
            await SimulcastPage.SetTileSizeAsync(c, aId, 1280, 720);

            int bobWidth = 0, carolWidth = 0;
            var clock = Stopwatch.StartNew();
            var split = await SimulcastPage.WaitUntilAsync(async () =>
            {
                bobWidth = await SimulcastPage.InboundWidthAsync(b, aId);
                carolWidth = await SimulcastPage.InboundWidthAsync(c, aId);
                output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: bob {bobWidth} carol {carolWidth}; {Budgets()}");
                return bobWidth >= 1280 && carolWidth is > 0 and <= 320;
            }, TimeSpan.FromSeconds(40));
            output.WriteLine($"limited: bob {bobWidth}, carol {carolWidth}; {Budgets()}");
            Assert.True(split, $"bob {bobWidth} (want 1280), carol {carolWidth} (want <= 320); {Budgets()}");

            // Hold for 10 s: carol stays low (short probes up may show), bob stays on top.
            var carolFramesBefore = (await Dwr.StatsAsync(c, aId, "sfu"))?.VideoFramesDecoded ?? 0;
            var carolSamples = new List<int>();
            var bobSamples = new List<int>();
            for (var i = 0; i < 20; i++)
            {
                await Task.Delay(500);
                carolSamples.Add(await SimulcastPage.InboundWidthAsync(c, aId));
                bobSamples.Add(await SimulcastPage.InboundWidthAsync(b, aId));
            }

            var carolFrames = ((await Dwr.StatsAsync(c, aId, "sfu"))?.VideoFramesDecoded ?? 0) - carolFramesBefore;
            output.WriteLine($"carol frameWidth samples: {string.Join(" ", carolSamples)}; alice frames decoded by carol in ~10 s: {carolFrames}");
            output.WriteLine("carol inbound: " + await c.EvaluateAsync<string>("""
                async () => { const r = await window.dwrSfu.pc.getStats(); const o = [];
                  r.forEach((s) => { if (s.type === 'inbound-rtp') o.push(`${s.kind} ${window.dwrSfu.serverTrackIdOf(s.trackIdentifier)} recv ${s.packetsReceived} lost ${s.packetsLost} bytes ${s.bytesReceived} nack ${s.nackCount} pli ${s.pliCount} frames ${s.framesDecoded} keyframes ${s.keyFramesDecoded} dropped ${s.framesDropped} fps ${s.framesPerSecond}`); });
                  return o.join(' | '); }
                """));
            output.WriteLine($"bob frameWidth samples:   {string.Join(" ", bobSamples)}");
            output.WriteLine(Budgets());
            Assert.True(carolSamples.Count(w => w <= 320) >= 14, "carol was not mostly on the lowest layer");
            Assert.True(carolFrames > 0, "carol's video from alice stopped decoding");
            Assert.True(bobSamples.Count(w => w >= 1280) >= 16, "bob did not keep the top layer");

            // Lift the limit: carol gets the top layer back.
            Run("tc", $"qdisc del dev {hostSide} root");
            clock.Restart();
            var back = await SimulcastPage.WaitUntilAsync(async () => (carolWidth = await SimulcastPage.InboundWidthAsync(c, aId)) >= 1280, TimeSpan.FromSeconds(60));
            output.WriteLine($"after lifting the limit: carol {carolWidth} after {clock.Elapsed.TotalSeconds:F1} s; {Budgets()}");
            Assert.True(back, $"carol stayed at {carolWidth}");
        }
        finally
        {
            Ip($"netns del {ns}", check: false);
            Ip($"link del {hostSide}", check: false);
            File.Delete(wrapper);
        }
    }

    private static void Ip(string arguments, bool check = true) => Run("ip", arguments, check);

    private static void Run(string file, string arguments, bool check = true)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments}: exit {process.ExitCode}: {error}");
        }
    }
}
