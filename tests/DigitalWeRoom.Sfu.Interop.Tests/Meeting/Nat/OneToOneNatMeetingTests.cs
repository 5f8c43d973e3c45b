using System.Text.Json;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Interop.Tests.Meeting.Ipv6Only;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static DigitalWeRoom.Sfu.Interop.Tests.Meeting.Nat.OneToOneNatTopology;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting.Nat;

/// <summary>
/// Issue #14 item 6: a server whose only interface address is private, behind a 1:1 NAT (nft dnat/snat in a router
/// namespace), with <c>Sfu:Udp:StunServers</c> naming the real coturn on the "internet" side. At start-up the media
/// socket learns its public address from coturn and announces it; a Chromium on the internet side, which cannot reach
/// the private address, connects to the server through the public one.
/// </summary>
public sealed class OneToOneNatMeetingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Behind_a_1_to_1_nat_the_server_learns_its_public_address_from_stun_and_a_browser_connects_to_it()
    {
        using var net = OneToOneNatTopology.Create();
        var work = Directory.CreateTempSubdirectory("v6-nat-").FullName;
        try
        {
            // coturn as a plain STUN server (Binding only) on the internet side.
            using var stun = await NamespaceDaemon.StartAsync(net.Internet, "turnserver",
                $"-n --listening-ip={InternetHost} --listening-port=3478 --stun-only --no-tls --no-dtls --no-cli " +
                $"--log-file=stdout --simple-log --pidfile={work}/turnserver.pid --userdb={work}/turndb",
                Path.Combine(work, "stun.log"), 3478);

            await using var host = await MeetingHost.StartAsync(new()
            {
                ["urls"] = $"http://127.0.0.1:0;http://{Private}:0",
                ["Sfu:Udp:BindAddress"] = "0.0.0.0",
                ["Sfu:Udp:AnnouncedAddresses:0"] = Private,
                ["Sfu:Udp:AutoDetectAddresses"] = "false",
                ["Sfu:Udp:StunServers:0"] = $"{InternetHost}:3478",
                ["Sfu:Tcp:Enabled"] = "false",
            });
            var media = host.Services.GetRequiredService<SfuMediaHost>();
            var endpoint = media.Endpoint;
            output.WriteLine("candidates: " + string.Join(", ", endpoint.LocalCandidates.Select(c => c.ToSdpValue())));
            Assert.Equal([$"{Public}:{endpoint.Port}"], endpoint.MappedAddresses.Select(m => m.ToString()));
            Assert.Equal([Private, Public], endpoint.LocalCandidates.Select(c => c.Address.ToString()));

            // The browser loads the page through the NAT (the public address) and connects its server path there.
            var origin = new Uri($"http://{Public}:{host.Addresses.First(a => a.Host == Private).Port}/");
            await using var browser = await Chromium.LaunchAsync(net.WriteWrapper(Chromium.ExecutablePath), Chromium.Autoplay,
                $"--unsafely-treat-insecure-origin-as-secure={origin.GetLeftPart(UriPartial.Authority)}");
            var page = (await MeetingHost.OpenMeetingAsync(browser.Browser, origin, "natroom", "public")).AsMeetingPage();
            await page.WaitForFunctionAsync("() => window.dwrSfu && window.dwrSfu.pc && window.dwrSfu.pc.connectionState === 'connected'", null, 45_000);
            // 'connected' can come before the transport's stats name the selected pair and its remote candidate, and two
            // getStats() reads in a row can disagree (a loaded CI run found the pair in a wait, then none in the read
            // after it): one read both finds the pair and names its remote candidate, retried until it does.
            string? remote = null;
            await SimulcastPage.WaitUntilAsync(async () =>
            {
                JsonElement read = await page.EvaluateAsync("""
                    async () => {
                      const report = await window.dwrSfu.pc.getStats();
                      let remote = null;
                      report.forEach((s) => {
                        if (s.type === 'transport' && s.selectedCandidatePairId) {
                          const pair = report.get(s.selectedCandidatePairId);
                          const candidate = pair && report.get(pair.remoteCandidateId);
                          if (candidate) remote = `${candidate.address ?? candidate.ip}:${candidate.port}`;
                        }
                      });
                      return remote;
                    }
                    """);
                remote = read.ValueKind == JsonValueKind.String ? read.GetString() : null;
                return remote is not null;
            }, TimeSpan.FromSeconds(15));
            output.WriteLine($"selected remote candidate: {remote}; router translated {net.Translated()} packets");
            Assert.Equal($"{Public}:{endpoint.Port}", remote);
            Assert.True(net.Translated() > 0);

            // The server sees the browser's own address (no NAT on that side) on its validated tuple.
            var session = media.FindRoom("natroom")!.Sessions.Single();
            Assert.Equal(InternetHost, session.IceTransport!.SelectedTuple!.Value.ToIPEndPoint().Address.ToString());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
