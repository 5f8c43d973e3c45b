using System.Text.Json;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using DigitalWeRoom.Sfu.Server.Tests.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static DigitalWeRoom.Sfu.Interop.Tests.Meeting.Ipv6Only.GatewayTopology;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting.Ipv6Only;

/// <summary>
/// Issue #14 test (d), the grid deployment of deploy/tfgrid/README.md ("IPv4 participants") on namespaces
/// (<see cref="GatewayTopology"/>): the server has a public IPv6 and a private IPv4 it shares only with the gateway
/// and with coturn beside it; the gateway namespace runs the Debian HAProxy, which ends TLS for the page name and
/// proxies HTTP (and the signaling WebSocket) to the server, and passes TLS for the TURN name through by SNI
/// (<c>req.ssl_sni</c>) to coturn's TURN/TLS port 443. Certificates come from a test CA that the browsers trust
/// through their NSS databases, with checking on. A dual-stack Firefox and a dual-stack Chromium reach the media over
/// IPv6 directly; an IPv4-only Chromium can only reach the gateway, so it joins and gets media both ways over TURN/TLS
/// relayed to the server's private address.
/// </summary>
public sealed class Ipv6OnlyServerMeetingTests(ITestOutputHelper output)
{
    private const string Secret = "v6-static-auth-secret-0123456789";

    [Fact]
    public async Task An_ipv4_only_chromium_meets_dual_stack_firefox_and_chromium_on_an_ipv6_only_server_through_turn_tls_at_the_gateway()
    {
        using var ca = TestCertificateAuthority.Create();
        using var net = GatewayTopology.Create();
        var page = ca.Issue("page", PageName, GatewayIPv4.ToString());
        var turn = ca.Issue("turn", TurnName, ServerPrivate.ToString());
        // HAProxy takes the certificate and its key in one file.
        var pagePem = Path.Combine(ca.Directory, "page-haproxy.pem");
        await File.WriteAllTextAsync(pagePem, await File.ReadAllTextAsync(page.Certificate) + await File.ReadAllTextAsync(page.Key));

        await using var host = await MeetingHost.StartAsync(new()
        {
            ["urls"] = $"http://127.0.0.1:0;http://{ServerPrivate}:0",
            ["Sfu:Udp:BindAddress"] = "::",
            ["Sfu:Udp:AnnouncedAddresses:0"] = ServerIPv6.ToString(),
            ["Sfu:Udp:AlsoAnnounce:0"] = ServerPrivate.ToString(),
            ["Sfu:Udp:AutoDetectAddresses"] = "false",
            ["Sfu:Turn:Urls:0"] = $"turns:{TurnName}:443?transport=tcp",
            ["Sfu:Turn:Secret"] = Secret,
            ["Proxy:TrustedProxies:0"] = $"{GatewayPrivate}/32",
        });
        var media = host.Services.GetRequiredService<SfuMediaHost>();
        int httpPort = host.Addresses.First(a => a.Host == ServerPrivate.ToString()).Port;

        // coturn beside the server (the VM): TURN/TLS on the private address, relaying only to the server's address.
        await using var coturn = await Coturn.StartAsync(
        [
            "-n", $"--listening-ip={ServerPrivate}", "--tls-listening-port=443", "--no-udp", "--no-tcp", "--no-dtls",
            $"--relay-ip={ServerPrivate}", "--min-port=49160", "--max-port=49260", "--use-auth-secret", $"--static-auth-secret={Secret}",
            "--realm=v6.test", $"--cert={turn.Certificate}", $"--pkey={turn.Key}", "--fingerprint", "--no-cli", $"--userdb={ca.Directory}/turndb",
            "--denied-peer-ip=0.0.0.0-0.255.255.255", "--denied-peer-ip=10.0.0.0-10.255.255.255", "--denied-peer-ip=127.0.0.0-127.255.255.255",
            $"--allowed-peer-ip={ServerPrivate}", "--log-file=stdout", "--simple-log", $"--pidfile={ca.Directory}/turnserver.pid",
        ], ServerPrivate.ToString(), 443);
        var haproxyConfig = Path.Combine(ca.Directory, "haproxy.cfg");
        await File.WriteAllTextAsync(haproxyConfig, HaproxyConfig(pagePem, httpPort));
        using var gateway = await NamespaceDaemon.StartAsync(net.Gateway, "haproxy", $"-db -f {haproxyConfig}", Path.Combine(ca.Directory, "haproxy.log"), 443);

        try
        {
            await MeetAsync(net, ca, host, media);
        }
        finally
        {
            output.WriteLine("--- haproxy (gateway) ---\n" + Tail(gateway.Log()));
            output.WriteLine("--- coturn (server) ---\n" + Tail(coturn.Log));
        }
    }

    private async Task MeetAsync(GatewayTopology net, TestCertificateAuthority ca, MeetingHost host, SfuMediaHost media)
    {
        var room = $"https://{PageName}/r/gridv6?name=";

        // Two dual-stack participants first (they meet peer-to-peer), each trusting only the test CA's certificates.
        await using var firefox = await ScriptedBrowser.LaunchAsync("firefox", net.DualClient, profile: ca.FirefoxProfile());
        output.WriteLine($"browser: {firefox.Version}");
        var fox = await firefox.NewPageAsync();
        await fox.GotoAsync(room + "fox");
        await using var dualBrowser = await Chromium.LaunchAsync(net.WriteWrapper(net.DualClient, Chromium.ExecutablePath, ca.ChromiumHome("dual")), Chromium.Autoplay);
        var dual = (await MeetingHost.OpenMeetingAsync(dualBrowser.Browser, new Uri($"https://{PageName}/"), "gridv6", "dual")).AsMeetingPage();
        var foxId = await Dwr.IdAsync(fox);
        var dualId = await Dwr.IdAsync(dual);

        // The IPv4-only participant makes three: the room goes to the server.
        await using var v4Browser = await Chromium.LaunchAsync(net.WriteWrapper(net.Ipv4Client, Chromium.ExecutablePath, ca.ChromiumHome("v4")), Chromium.Autoplay);
        var v4 = (await MeetingHost.OpenMeetingAsync(v4Browser.Browser, new Uri($"https://{PageName}/"), "gridv6", "v4")).AsMeetingPage();
        foreach (var p in new[] { fox, dual, v4 })
        {
            await Dwr.WaitForModeAsync(p, "sfu", 45_000);
        }

        var v4Id = await Dwr.IdAsync(v4);
        await v4.WaitForFunctionAsync("() => window.dwr.firstRemoteFrameAt !== null", null, 45_000);
        var firstFrame = (await v4.EvaluateAsync("() => window.dwr.firstRemoteFrameAt")).GetDouble();
        output.WriteLine($"ipv4-via-gateway first remote frame: {firstFrame:F0} ms");

        // Media both ways between the IPv4-only participant and each dual-stack one, decoding on every side (between
        // the two dual-stack ones it is the plain IPv6 path that other tests cover).
        var pairs = new (IMeetingPage Page, string Name, string OtherId, string OtherName)[]
        {
            (v4, "v4", foxId, "firefox"), (v4, "v4", dualId, "dual"), (fox, "firefox", v4Id, "v4"), (dual, "dual", v4Id, "v4"),
        };
        foreach (var (p, name, otherId, otherName) in pairs)
        {
            try
            {
                var (_, after) = await Dwr.AssertFlowingAsync(p, otherId, "sfu", seconds: 1);
                output.WriteLine($"{name} <- {otherName} through the server: {after}");
            }
            catch (Xunit.Sdk.XunitException)
            {
                output.WriteLine($"{name} <- {otherName} failed; {name}'s video inbound: {await p.EvaluateAsync("() => window.dwr.videoInbound()")}");
                throw;
            }
        }

        // The IPv4-only browser's server connection is relayed over TLS (to the gateway, passed through to coturn) and
        // reaches the server's private address; the dual-stack ones go straight to its public IPv6 over UDP.
        var v4Pair = await SelectedPairAsync(v4);
        output.WriteLine($"v4 selected pair: {v4Pair}");
        Assert.Equal("relay", v4Pair.GetProperty("localType").GetString());
        Assert.Equal("tls", v4Pair.GetProperty("relayProtocol").GetString());
        Assert.Equal(ServerPrivate.ToString(), v4Pair.GetProperty("remoteAddress").GetString());
        foreach (var (p, name) in new[] { (fox, "firefox"), (dual, "dual") })
        {
            var pair = await SelectedPairAsync(p);
            output.WriteLine($"{name} selected pair: {pair}");
            Assert.Equal(ServerIPv6.ToString(), pair.GetProperty("remoteAddress").GetString());
            Assert.Equal("udp", pair.GetProperty("protocol").GetString());
        }

        // And the server counts one relayed connection, two direct ones.
        using var http = new HttpClient { BaseAddress = host.BaseUri };
        var scrape = PrometheusText.Parse(await http.GetStringAsync("/metrics"));
        double Selected(string transport) => scrape.Series("sfu_transports_selected").Where(x => x["transport"] == transport).Sum(x => x.Value);
        Assert.Equal((2.0, 0.0, 1.0), (Selected("udp"), Selected("tcp"), Selected("relay")));
        Assert.Equal(3, media.FindRoom("gridv6")!.Sessions.Count);
    }

    /// <summary>The selected candidate pair of the page's server connection (<c>window.dwrSfu.pc</c>).</summary>
    private static Task<JsonElement> SelectedPairAsync(IMeetingPage page) => page.EvaluateAsync("""
        async () => {
          const report = await window.dwrSfu.pc.getStats();
          let pair = null;
          report.forEach((s) => { if (s.type === 'transport' && s.selectedCandidatePairId) pair = report.get(s.selectedCandidatePairId); });
          if (!pair) report.forEach((s) => { if (s.type === 'candidate-pair' && s.selected) pair = s; });
          if (!pair) report.forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') pair = s; });
          if (!pair) return { localType: null };
          const local = report.get(pair.localCandidateId), remote = report.get(pair.remoteCandidateId);
          return { localType: local.candidateType, relayProtocol: local.relayProtocol ?? null, protocol: local.protocol,
                   remoteAddress: remote.address ?? remote.ip, remotePort: remote.port };
        }
        """);

    /// <summary>
    /// The grid gateway as HAProxy: one TLS port on every gateway address, routed by the ClientHello's server name.
    /// The TURN name goes through untouched to coturn (tls_passthrough); anything else reaches an HTTPS frontend (over
    /// a PROXY-protocol hop, so the client address survives) that ends TLS and proxies HTTP and WebSockets to the
    /// server's private address, as the grid's web gateway does.
    /// </summary>
    private static string HaproxyConfig(string pagePem, int httpPort) => $$"""
        global
          nbthread 1
          maxconn 256
          log stdout format raw local0
        defaults
          log global
          timeout connect 5s
          timeout client 60s
          timeout server 60s
          timeout tunnel 1h
        frontend gateway_tls
          mode tcp
          option tcplog
          bind {{GatewayIPv4}}:443
          bind {{GatewayDualIPv4}}:443
          bind [{{GatewayDualIPv6}}]:443
          tcp-request inspect-delay 5s
          tcp-request content accept if { req.ssl_hello_type 1 }
          use_backend turn_passthrough if { req.ssl_sni -i {{TurnName}} }
          default_backend page_tls
        backend turn_passthrough
          mode tcp
          server coturn {{ServerPrivate}}:443
        backend page_tls
          mode tcp
          server page 127.0.0.1:8443 send-proxy-v2
        frontend page_https
          mode http
          no log
          bind 127.0.0.1:8443 accept-proxy ssl crt {{pagePem}}
          option forwardfor
          http-request set-header X-Forwarded-Proto https
          default_backend sfu
        backend sfu
          mode http
          server sfu {{ServerPrivate}}:{{httpPort}}

        """;

    private static string Tail(string log) => log.Length <= 6000 ? log : log[^6000..];
}
