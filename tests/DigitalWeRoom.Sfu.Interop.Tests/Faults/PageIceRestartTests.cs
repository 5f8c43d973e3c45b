using System.Diagnostics;
using DigitalWeRoom.Sfu.Interop.Tests.Meeting;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Faults;

/// <summary>
/// The page's side of ICE restart: every UDP packet to the server's media port is dropped (nftables, in the
/// loopback-only namespace the suite runs in) until Chromium's server connection goes <c>disconnected</c>; the page
/// then asks for an ICE restart (sfu.js), answers the server's offer with new ice-ufrag/ice-pwd, and once the path is
/// back media flows again on the restarted ICE session.
/// </summary>
public sealed class PageIceRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Server_path_blocked_page_requests_ice_restart_and_media_flows_again()
    {
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:P2PEnabled"] = "false" });
        int udpPort = host.Services.GetRequiredService<SfuMediaHost>().Endpoint.Port;
        var a = await host.OpenAsync("icerestart", "alice");
        await a.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
        var b = await host.OpenAsync("icerestart", "bob");
        await Dwr.WaitForModeAsync(b, "sfu");
        await a.WaitForFunctionAsync("() => window.dwr.participants.length === 1");
        var (aId, bId) = (await Dwr.IdAsync(a), await Dwr.IdAsync(b));
        await Dwr.AssertFlowingAsync(a, bId, "sfu", seconds: 1);

        string table = $"dwrice{Environment.ProcessId}";
        Nft($"add table inet {table}");
        var clock = Stopwatch.StartNew();
        try
        {
            Nft($"add chain inet {table} in {{ type filter hook input priority 0 ; }}");
            Nft($"add rule inet {table} in udp dport {udpPort} drop");
            await a.WaitForFunctionAsync("() => window.dwr.iceRestarts >= 1", null, new Microsoft.Playwright.PageWaitForFunctionOptions { Timeout = 40_000 });
            output.WriteLine($"page asked for an ICE restart {clock.Elapsed.TotalSeconds:0.0} s after the path was cut");
        }
        finally
        {
            Nft($"delete table inet {table}");
        }

        var restored = clock.Elapsed;
        await Dwr.AssertFlowingAsync(a, bId, "sfu", seconds: 1);
        await Dwr.AssertFlowingAsync(b, aId, "sfu", seconds: 1);
        output.WriteLine($"media flows both ways again {(clock.Elapsed - restored).TotalSeconds:0.0} s after the path came back (checks included)");
        var offers = await a.EvaluateAsync<int>("() => window.dwr.iceRestarts");
        Assert.True(offers >= 1);
    }

    private static void Nft(string arguments)
    {
        using var p = Process.Start(new ProcessStartInfo("nft", arguments) { RedirectStandardError = true, UseShellExecute = false })!;
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"nft {arguments}: {error}");
    }
}
