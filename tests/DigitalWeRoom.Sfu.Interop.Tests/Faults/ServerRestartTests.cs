using System.Diagnostics;
using System.Text.Json;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Interop.Tests.Meeting;
using DigitalWeRoom.Sfu.LoadTest.Tests.Faults;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Faults;

/// <summary>
/// The server process is killed (SIGKILL, no goodbye) and started again on the same port: both Chromium pages
/// notice the closed socket, reconnect with backoff (reconnect.js), rejoin their room, and media flows again
/// through the new server. A deliberate leave is not undone by the reconnect logic.
/// </summary>
public sealed class ServerRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Server_killed_and_restarted_on_the_same_port_pages_rejoin_and_media_flows_again()
    {
        int port = ServerProcess.FreePort();
        string[] settings = [$"--contentRoot={ServerSourceDirectory()}", "--Sfu:DrainTimeout=00:00:00"];
        var first = new ServerProcess(port, settings);
        ServerProcess? second = null;
        var (playwright, browser) = await Chromium.LaunchAsync();
        try
        {
            await first.WaitReadyAsync(TimeSpan.FromSeconds(60));
            var a = await OpenAsync(browser, first.BaseUri, "alice");
            await a.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
            var b = await OpenAsync(browser, first.BaseUri, "bob");
            await WaitJoinedWithAsync(a, 1);
            await WaitJoinedWithAsync(b, 1);
            await Dwr.AssertFlowingAsync(a, await Dwr.IdAsync(b), "sfu", seconds: 1);

            // The backoff the page uses: doubling caps from 500 ms to 15 s, delays in [cap/2, cap).
            var delays = await a.EvaluateAsync<double[]>("async () => { const m = await import('/js/reconnect.js'); return [0,1,2,3,10].flatMap(n => [m.Reconnector.delay(n, 500, 15000, () => 0), m.Reconnector.delay(n, 500, 15000, () => 0.999999)]); }");
            Assert.Equal([250, 500, 500, 1000, 1000, 2000, 2000, 4000, 7500, 15000], delays.Select(d => Math.Round(d)).ToArray());

            var clock = Stopwatch.StartNew();
            first.Crash();
            await first.WaitExitAsync(TimeSpan.FromSeconds(10));
            await a.WaitForFunctionAsync("() => window.dwr.participantId === null", null, new PageWaitForFunctionOptions { Timeout = 10_000 });
            var lostAfter = clock.Elapsed;
            await Task.Delay(1500); // a few failed attempts while nothing listens

            second = new ServerProcess(port, settings);
            await second.WaitReadyAsync(TimeSpan.FromSeconds(60));
            var upAfter = clock.Elapsed;
            await WaitJoinedWithAsync(a, 1, timeoutMs: 30_000);
            await WaitJoinedWithAsync(b, 1, timeoutMs: 30_000);
            var rejoinedAfter = clock.Elapsed;
            Assert.True(await a.EvaluateAsync<int>("() => window.dwr.reconnects") >= 1);
            Assert.True(await b.EvaluateAsync<int>("() => window.dwr.reconnects") >= 1);
            var (aId, bId) = (await Dwr.IdAsync(a), await Dwr.IdAsync(b));
            await Dwr.AssertFlowingAsync(a, bId, "sfu", seconds: 1);
            await Dwr.AssertFlowingAsync(b, aId, "sfu", seconds: 1);
            output.WriteLine($"socket loss seen after {lostAfter.TotalSeconds:0.00} s; new server ready after {upAfter.TotalSeconds:0.00} s; both rejoined after {rejoinedAfter.TotalSeconds:0.00} s ({(rejoinedAfter - upAfter).TotalSeconds:0.00} s after ready)");

            // A deliberate leave stays a leave.
            var reconnectsBefore = await a.EvaluateAsync<int>("() => window.dwr.reconnects");
            await a.ClickAsync("#btn-leave");
            await Task.Delay(3000);
            Assert.Equal("left", await Dwr.ModeAsync(a));
            Assert.Equal(reconnectsBefore, await a.EvaluateAsync<int>("() => window.dwr.reconnects"));
            using var http = new HttpClient { BaseAddress = second.BaseUri };
            var rooms = JsonDocument.Parse(await http.GetStringAsync("/api/rooms")).RootElement;
            Assert.Equal(1, rooms[0].GetProperty("participants").GetArrayLength());
        }
        finally
        {
            await browser.CloseAsync();
            playwright.Dispose();
            first.Dispose();
            second?.Dispose();
        }
    }

    private static Task<IPage> OpenAsync(IBrowser browser, Uri server, string name) =>
        MeetingHost.OpenMeetingAsync(browser, server, "restart", name);

    private static Task WaitJoinedWithAsync(IPage page, int others, float timeoutMs = 20_000) =>
        page.WaitForFunctionAsync("n => window.dwr && window.dwr.participantId && window.dwr.participants.length === n", others,
            new PageWaitForFunctionOptions { Timeout = timeoutMs });

    private static string ServerSourceDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DigitalWeRoom.Sfu.sln")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir!.FullName, "src", "DigitalWeRoom.Sfu.Server");
    }
}
