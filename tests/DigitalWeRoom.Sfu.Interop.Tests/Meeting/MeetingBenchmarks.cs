using System.Diagnostics;
using System.Text.Json;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>Runs only with DWR_BENCH=1 (several minutes of Chromium): the figures in docs/benchmarks.md.</summary>
public sealed class BenchmarkFactAttribute : FactAttribute
{
    public BenchmarkFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("DWR_BENCH") != "1")
        {
            Skip = "benchmark: set DWR_BENCH=1";
        }
    }
}

public sealed class MeetingBenchmarks(ITestOutputHelper output)
{
    private static Task<double> FirstRemoteFrameAsync(IPage page) => Dwr.FirstRemoteFrameMsAsync(page.AsMeetingPage());

    private static async Task<double> GapAsync(IPage page, string remoteId, double since)
    {
        var report = await page.EvaluateAsync<JsonElement>("([id, since]) => window.dwr.frameGapReport(id, since)", new object[] { remoteId, since });
        return report.GetProperty("gap").GetDouble();
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }

    [BenchmarkFact]
    public async Task Join_to_first_frame_and_switch_gaps()
    {
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:BackToP2PDelay"] = "00:00:02" });
        var a = await host.OpenAsync("bench", "alice");
        await a.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
        var b = await host.OpenAsync("bench", "bob");
        var p2pFirst = await FirstRemoteFrameAsync(b);
        await Dwr.WaitForModeAsync(a, "p2p");
        await Dwr.WaitForModeAsync(b, "p2p");
        var aId = await Dwr.IdAsync(a);
        var bId = await Dwr.IdAsync(b);

        var up = new List<double>();
        var down = new List<double>();
        var sfuFirst = new List<double>();
        for (var run = 0; run < 5; run++)
        {
            var sinceA = await a.EvaluateAsync<double>("() => window.dwr.now()");
            var sinceB = await b.EvaluateAsync<double>("() => window.dwr.now()");
            var c = await host.OpenAsync("bench", $"carol{run}");
            sfuFirst.Add(await FirstRemoteFrameAsync(c));
            await a.WaitForFunctionAsync("() => window.dwr.mode === 'sfu' && !window.dwr.hasP2P", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
            await b.WaitForFunctionAsync("() => window.dwr.mode === 'sfu' && !window.dwr.hasP2P", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
            await Task.Delay(2000);
            up.Add(Math.Max(await GapAsync(a, bId, sinceA), await GapAsync(b, aId, sinceB)));

            sinceA = await a.EvaluateAsync<double>("() => window.dwr.now()");
            sinceB = await b.EvaluateAsync<double>("() => window.dwr.now()");
            await c.Context.CloseAsync();
            await Dwr.WaitForModeAsync(a, "p2p", 30_000);
            await Dwr.WaitForModeAsync(b, "p2p", 30_000);
            await Task.Delay(2000);
            down.Add(Math.Max(await GapAsync(a, bId, sinceA), await GapAsync(b, aId, sinceB)));
            output.WriteLine($"run {run}: 2→3 gap {up[^1]:F0} ms, 3→2 gap {down[^1]:F0} ms, third joiner first frame {sfuFirst[^1]:F0} ms");
        }

        output.WriteLine($"P2P join → first remote frame (second joiner, from navigation start): {p2pFirst:F0} ms");
        output.WriteLine($"SFU join → first remote frame (third joiner, median of 5): {Median(sfuFirst):F0} ms [{string.Join(", ", sfuFirst.Select(v => v.ToString("F0")))}]");
        output.WriteLine($"2→3 gap median of 5: {Median(up):F0} ms [{string.Join(", ", up.Select(v => v.ToString("F0")))}]");
        output.WriteLine($"3→2 gap median of 5: {Median(down):F0} ms [{string.Join(", ", down.Select(v => v.ToString("F0")))}]");
        Assert.True(Median(up) < 1000 && Median(down) < 1000);
    }

    [BenchmarkFact]
    public async Task Server_cpu_per_forwarded_packet_in_a_six_person_room()
    {
        await using var host = await MeetingHost.StartAsync();
        var pages = new List<IPage>();
        for (var i = 0; i < 6; i++)
        {
            var page = await host.OpenAsync("cpu6", $"p{i}");
            await page.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
            pages.Add(page);
        }

        await Task.Delay(8000);
        async Task<long> ForwardedAsync() =>
            (await host.RoomsAsync()).EnumerateArray().Single(r => r.GetProperty("name").GetString() == "cpu6").GetProperty("forwardedPackets").GetInt64();

        var process = Process.GetCurrentProcess();
        var f0 = await ForwardedAsync();
        var cpu0 = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        await Task.Delay(10_000);
        process.Refresh();
        var cpu1 = process.TotalProcessorTime;
        var f1 = await ForwardedAsync();
        var packets = f1 - f0;
        var cpuUs = (cpu1 - cpu0).TotalMilliseconds * 1000;
        output.WriteLine($"6 participants, {wall.Elapsed.TotalSeconds:F1} s: {packets} packets forwarded ({packets / wall.Elapsed.TotalSeconds:F0}/s), " +
            $"test+server process CPU {(cpu1 - cpu0).TotalMilliseconds:F0} ms = {cpuUs / Math.Max(1, packets):F1} µs per forwarded packet " +
            $"(upper bound: includes Playwright client and test host)");
        Assert.True(packets > 0);
    }
}
