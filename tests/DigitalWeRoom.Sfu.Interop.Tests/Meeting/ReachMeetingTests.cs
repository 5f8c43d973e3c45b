using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using DigitalWeRoom.Sfu.Server.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Participants whose network blocks UDP to the server (issue #14 (a)): Firefox and two Chromium, each in its own
/// client namespace whose nftables ruleset drops every UDP datagram to the server's address. With two they meet
/// peer-to-peer (host candidates, forwarded between the namespaces); with three the room goes to the server and every
/// browser reaches it over passive ICE-TCP (RFC 6544), decoding audio and video from both others; when one leaves the
/// room returns to peer-to-peer.
/// </summary>
public sealed class ReachMeetingTests(ITestOutputHelper output)
{
    /// <summary>An nftables ruleset for a client namespace: every UDP datagram to <paramref name="address"/> dropped and counted.</summary>
    internal static string DropUdpTo(string address) => $$"""
        table inet reachfw {
          chain out {
            type filter hook output priority 0;
            ip daddr {{address}} meta l4proto udp counter drop
          }
        }
        """;

    [Fact]
    public async Task With_UDP_to_the_server_dropped_three_browsers_meet_through_the_server_over_ICE_TCP_and_two_return_to_p2p()
    {
        using var foxNs = ClientNamespace.Create();
        using var chromeNs = ClientNamespace.Create();
        using var thirdNs = ClientNamespace.Create();
        ClientNamespace.ForwardBetweenClients();
        string server = foxNs.HostAddress;
        foreach (var ns in new[] { foxNs, chromeNs, thirdNs })
        {
            ns.ApplyRules(DropUdpTo(server));
        }

        await using var link = await LinkHost.StartAsync(server);
        var host = link.Host;
        var media = host.Services.GetRequiredService<SfuMediaHost>();
        int tcpPort = media.TcpEndpoint!.Port;
        var origin = link.Origin;
        string insecure = link.InsecureOriginFlag;

        await using var firefox = await ScriptedBrowser.LaunchAsync("firefox", foxNs.Name, FirefoxMeetingTests.InsecureOriginMedia);
        output.WriteLine($"browser: {firefox.Version}");
        var fox = await firefox.NewPageAsync();
        await fox.GotoAsync(new Uri(origin, "/r/reach?name=fox").ToString());
        await using var chromeBrowser = await Chromium.LaunchAsync(chromeNs.WriteWrapper(Chromium.ExecutablePath), Chromium.Autoplay, insecure);
        var chrome = (await MeetingHost.OpenMeetingAsync(chromeBrowser.Browser, origin, "reach", "chrome")).AsMeetingPage();

        var (foxId, chromeId) = await Dwr.AssertMeetingP2PAsync(fox, chrome);

        await using var thirdBrowser = await Chromium.LaunchAsync(thirdNs.WriteWrapper(Chromium.ExecutablePath), Chromium.Autoplay, insecure);
        var third = (await MeetingHost.OpenMeetingAsync(thirdBrowser.Browser, origin, "reach", "third")).AsMeetingPage();
        await Dwr.WaitForModeAsync(fox, "sfu", 30_000);
        await Dwr.WaitForModeAsync(chrome, "sfu", 30_000);
        await Dwr.WaitForModeAsync(third, "sfu", 30_000);
        var thirdId = await Dwr.IdAsync(third);
        output.WriteLine($"ice-tcp first remote frame: {await Dwr.FirstRemoteFrameMsAsync(third):F0} ms (third joiner, Chromium, SFU over ICE-TCP; from the page's navigation start)");
        output.WriteLine($"ice-tcp third joiner timeline: {await ConnectTimeline.ReadAsync(third, media, "reach")}");
        var pages = new (IMeetingPage Page, string Id, string Name)[] { (fox, foxId, "firefox"), (chrome, chromeId, "chrome"), (third, thirdId, "third") };
        foreach (var (page, id, name) in pages)
        {
            foreach (var (_, otherId, otherName) in pages.Where(p => p.Id != id))
            {
                var (_, after) = await Dwr.AssertFlowingAsync(page, otherId, "sfu", seconds: 1);
                output.WriteLine($"{name} <- {otherName} through the server: {after}");
                Assert.Equal($"{server}:{tcpPort}", after.RemoteAddress);
            }

            // What the participant sees: the header notes the TCP path.
            await Dwr.WaitForPathNoteAsync(page, "TCP");
        }

        // The server's side: every participant's transport runs over a validated ICE-TCP connection, none over UDP.
        var room = media.FindRoom("reach")!;
        Assert.Equal(3, room.Sessions.Count(s => s.IceTransport is { IsSelectedTcp: true }));
        Assert.True(media.TcpEndpoint.ConnectionsValidated >= 3);
        using (var http = new HttpClient { BaseAddress = host.BaseUri })
        {
            // The same on /metrics (docs/metrics.md): three connections on ICE-TCP, none direct or relayed.
            var scrape = PrometheusText.Parse(await http.GetStringAsync("/metrics"));
            double Selected(string transport) => scrape.Series("sfu_transports_selected").Where(x => x["transport"] == transport).Sum(x => x.Value);
            Assert.Equal((3.0, 0.0, 0.0), (Selected("tcp"), Selected("udp"), Selected("relay")));
        }
        Assert.True(ClientNamespace.CounterPackets(foxNs.Nft("list table inet reachfw"), "out") > 0, "Firefox tried UDP first");

        await thirdBrowser.DisposeAsync();
        await Dwr.AssertMeetingP2PAsync(fox, chrome, 30_000);
        await Dwr.WaitForPathNoteAsync(fox, "");
        await Dwr.WaitForPathNoteAsync(chrome, "");
    }
}
