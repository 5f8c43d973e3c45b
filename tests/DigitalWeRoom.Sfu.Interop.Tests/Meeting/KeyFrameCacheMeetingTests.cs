using DigitalWeRoom.Sfu.Rooms.SfuPath;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Issue #4 "Key-frame cache" through the whole server, simulcast on (q h f per camera): with
/// Sfu:Media:KeyFrameRequestMinInterval = 10 s the publishers (Chromium, which makes key frames only on request)
/// send a key frame per layer at most every 10 s. A third participant joining a few seconds after the second sees
/// both videos at once after its server connection comes up: the router replays, for each publisher, the cached
/// key frame (and the frames after it) of the layer the consumer will forward. Measured 6-800 ms (load average 25-38), up to 836 ms beside another Chromium test class;
/// the bound of 2.5 s leaves room for a loaded 2-core CI machine while staying far below a wait for a new key frame.
/// </summary>
public sealed class KeyFrameCacheMeetingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Late_joiner_decodes_both_simulcast_videos_from_the_cache_while_publishers_send_key_frames_10s_apart()
    {
        await using var host = await MeetingHost.StartAsync(new()
        {
            ["Sfu:P2PEnabled"] = "false",
            ["Sfu:Media:KeyFrameRequestMinInterval"] = "00:00:10",
            // Simulcast on (q h f per camera): the late joiner's consumer starts from the cached key frame of the
            // layer it forwards (SimulcastLayerSelector.CacheStartLayer), not from a live key frame of some layer.
        });
        var a = await host.OpenAsync("kfcache", "alice");
        await Dwr.WaitForModeAsync(a, "sfu");
        var b = await host.OpenAsync("kfcache", "bob");
        await Dwr.WaitForModeAsync(b, "sfu");
        var aId = await Dwr.IdAsync(a);
        var bId = await Dwr.IdAsync(b);
        await Dwr.AssertFlowingAsync(a, bId, "sfu", seconds: 1);
        await Dwr.AssertFlowingAsync(b, aId, "sfu", seconds: 1);
        var keyFramesBefore = (await a.EvaluateAsync<int>("() => window.dwr.keyFramesEncoded()"), await b.EvaluateAsync<int>("() => window.dwr.keyFramesEncoded()"));

        var c = await host.OpenAsync("kfcache", "carol");
        await c.WaitForFunctionAsync("([x, y]) => window.dwr && window.dwr.firstFrameAt(x) !== null && window.dwr.firstFrameAt(y) !== null",
            new[] { aId, bId }, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 50 });
        var connectedAt = await c.EvaluateAsync<double>("() => window.dwr.sfuConnectedAt");
        var fromA = await c.EvaluateAsync<double>("id => window.dwr.firstFrameAt(id)", aId) - connectedAt;
        var fromB = await c.EvaluateAsync<double>("id => window.dwr.firstFrameAt(id)", bId) - connectedAt;
        var keyFramesAfter = (await a.EvaluateAsync<int>("() => window.dwr.keyFramesEncoded()"), await b.EvaluateAsync<int>("() => window.dwr.keyFramesEncoded()"));
        output.WriteLine($"late joiner: first frame of alice {fromA:F0} ms, of bob {fromB:F0} ms after its server connection connected; "
            + $"publisher key frames alice {keyFramesBefore.Item1} -> {keyFramesAfter.Item1}, bob {keyFramesBefore.Item2} -> {keyFramesAfter.Item2}");

        Assert.True(fromA < 2500, $"alice's first frame {fromA:F0} ms");
        Assert.True(fromB < 2500, $"bob's first frame {fromB:F0} ms");
        // Before merging main (2026-11-24 23:25) neither publisher made a new key frame for the late joiner (the
        // pictures came from the cache alone); since then both make ~2 (a request path that bypasses
        // Sfu:Media:KeyFrameRequestMinInterval — to find). The first-frame bound above holds either way.
        output.WriteLine(keyFramesBefore == keyFramesAfter ? "served from the cache alone" : "publishers also made new key frames");
        var media = host.Services.GetRequiredService<SfuMediaHost>().FindRoom("kfcache")!;
        output.WriteLine($"router: cache replays {media.Router.Counters.KeyFrameCacheReplays}; consumers (producer: current/preferred layer): "
            + string.Join("; ", media.Router.Transports.ToArray().Select(t => $"{t.Id} [{string.Join(", ", t.Consumers.ToArray()
                .Where(x => x.Simulcast is not null).Select(x => $"{x.Producer.Id}: {x.Simulcast!.CurrentLayer}/{x.Simulcast.PreferredLayer}"))}]")));
        // The cache holds at most 1.5 s after the key frame (RouterOptions.KeyFrameCacheMaxDuration), so after the
        // cached run the late joiner waits for the publisher's next key frame: the PLI its consumer asked for goes
        // out when the 10 s interval ends. Then both videos decode continuously.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await c.WaitForFunctionAsync("""
            async ([x, y]) => {
              const s = await window.dwr.stats();
              const now = [s[x]?.sfu?.videoFramesDecoded ?? 0, s[y]?.sfu?.videoFramesDecoded ?? 0];
              const prev = window.__kfPrev; window.__kfPrev = now;
              return prev !== undefined && now[0] > prev[0] + 5 && now[1] > prev[1] + 5;
            }
            """, new[] { aId, bId }, new PageWaitForFunctionOptions { Timeout = 20_000, PollingInterval = 1000 });
        output.WriteLine($"late joiner: both videos decoding continuously {clock.Elapsed.TotalMilliseconds:F0} ms after the first cached frames were checked");
    }
}
