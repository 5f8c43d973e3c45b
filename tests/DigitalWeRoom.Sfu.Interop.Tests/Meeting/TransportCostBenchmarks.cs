using System.Diagnostics;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Issue #14, "Measure": the server's CPU per forwarded packet when its participants reach it over passive ICE-TCP
/// (RFC 6544, RFC 4571 framing) against plain UDP, in one run, rounds interleaved. Three Chromium, each in its own
/// client namespace, in an SFU room (P2P off); for the TCP rounds each namespace's nftables drops every UDP datagram
/// to the server, as in <see cref="ReachMeetingTests"/>. CPU is the test process's (server plus the test's own
/// driver: an upper bound on both paths alike), packets the room's forwarded count.
/// </summary>
public sealed class TransportCostBenchmarks(ITestOutputHelper output)
{
    [BenchmarkFact]
    public async Task Server_cpu_per_forwarded_packet_over_ICE_TCP_versus_UDP()
    {
        var udp = new List<double>();
        var tcp = new List<double>();
        for (int round = 0; round < 2; round++)
        {
            udp.Add(await MeasureAsync(overTcp: false));
            tcp.Add(await MeasureAsync(overTcp: true));
        }

        double u = udp.Average(), t = tcp.Average();
        output.WriteLine($"ice-tcp vs udp: server CPU-us per forwarded packet {t:F1} vs {u:F1} (rounds tcp {string.Join(" / ", tcp.Select(x => x.ToString("F1")))}, " +
            $"udp {string.Join(" / ", udp.Select(x => x.ToString("F1")))}), ratio {t / u:F2}, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
    }

    private async Task<double> MeasureAsync(bool overTcp)
    {
        var namespaces = new[] { ClientNamespace.Create(), ClientNamespace.Create(), ClientNamespace.Create() };
        try
        {
            string server = namespaces[0].HostAddress;
            if (overTcp)
            {
                foreach (var ns in namespaces)
                {
                    ns.ApplyRules(ReachMeetingTests.DropUdpTo(server));
                }
            }

            // Media bound to the announced address: from a wildcard socket the kernel would answer a client namespace
            // on another veth from that veth's address, which the browser's check does not accept.
            await using var link = await LinkHost.StartAsync(server, new() { ["Sfu:P2PEnabled"] = "false" }, bindAddress: server);
            var host = link.Host;
            var media = host.Services.GetRequiredService<SfuMediaHost>();
            var origin = link.Origin;
            string insecure = link.InsecureOriginFlag;
            var browsers = new List<ChromiumBrowser>();
            try
            {
                var pages = new List<IMeetingPage>();
                foreach (var (ns, i) in namespaces.Select((n, i) => (n, i)))
                {
                    var browser = await Chromium.LaunchAsync(ns.WriteWrapper(Chromium.ExecutablePath), Chromium.Autoplay, insecure);
                    browsers.Add(browser);
                    pages.Add((await MeetingHost.OpenMeetingAsync(browser.Browser, origin, "cost", $"p{i}")).AsMeetingPage());
                }

                foreach (var page in pages)
                {
                    await Dwr.WaitForModeAsync(page, "sfu", 30_000);
                }

                var ids = new List<string>();
                foreach (var page in pages)
                {
                    ids.Add(await Dwr.IdAsync(page));
                }

                await Dwr.AssertFlowingAsync(pages[0], ids[1], "sfu", seconds: 1);
                for (int i = 0; i < pages.Count; i++)
                {
                    var stats = await Dwr.StatsAsync(pages[i], ids[(i + 1) % pages.Count], "sfu");
                    output.WriteLine($"p{i}: {stats?.LocalCandidateType} {stats?.LocalAddress} -> {stats?.RemoteAddress}");
                }

                var room = media.FindRoom("cost")!;
                Assert.Equal(overTcp ? 3 : 0, room.Sessions.Count(s => s.IceTransport is { IsSelectedTcp: true }));

                // Simulcast layers and the bandwidth estimate settle before the window.
                await Task.Delay(6000);
                async Task<long> ForwardedAsync() =>
                    (await host.RoomsAsync()).EnumerateArray().Single(r => r.GetProperty("name").GetString() == "cost").GetProperty("forwardedPackets").GetInt64();
                var process = Process.GetCurrentProcess();
                long f0 = await ForwardedAsync();
                var cpu0 = process.TotalProcessorTime;
                await Task.Delay(10_000);
                process.Refresh();
                var cpu = process.TotalProcessorTime - cpu0;
                long packets = await ForwardedAsync() - f0;
                Assert.True(packets > 1000, $"only {packets} packets forwarded");
                double us = cpu.TotalMilliseconds * 1000 / packets;
                output.WriteLine($"{(overTcp ? "ice-tcp" : "udp")}: {packets} packets in 10 s, CPU {cpu.TotalMilliseconds:F0} ms, {us:F1} us per forwarded packet");
                return us;
            }
            finally
            {
                foreach (var browser in browsers)
                {
                    await browser.DisposeAsync();
                }
            }
        }
        finally
        {
            foreach (var ns in namespaces)
            {
                ns.Dispose();
            }
        }
    }
}
