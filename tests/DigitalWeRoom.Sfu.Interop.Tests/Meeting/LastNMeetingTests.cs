using System.Text.Json;
using DigitalWeRoom.Sfu.LoadTest.Media;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Issue #4 "Last-N": 8 participants (3 Chromium pages + 5 synthetic publishers) with Sfu:Media:LastN = 3. Each
/// page receives exactly 3 remote videos (the set the server reports in <c>video-forwarded</c>; the Chromium ones
/// among them decode); when a synthetic publisher starts speaking (loud RFC 6464 levels) every page gets the
/// <c>speaker</c> message, highlights that tile, and the speaker's video replaces one of the others.
/// </summary>
public sealed class LastNMeetingTests(ITestOutputHelper output)
{
    private const int N = 3;

    private sealed record Inbound(long FramesDecoded, long PacketsReceived, long FreezeCount);

    private static async Task<Dictionary<string, Inbound>> InboundAsync(IPage page)
    {
        var text = await page.EvaluateAsync<string>("async () => JSON.stringify(await window.dwr.videoInbound())");
        var json = JsonDocument.Parse(text).RootElement;
        return json.EnumerateObject().ToDictionary(p => p.Name, p => new Inbound(
            p.Value.GetProperty("framesDecoded").GetInt64(), p.Value.GetProperty("packetsReceived").GetInt64(), p.Value.GetProperty("freezeCount").GetInt64()));
    }

    private static async Task<string[]> ForwardedOnAsync(IPage page) =>
        (await page.EvaluateAsync<JsonElement>("() => window.dwr.forwarded")).GetProperty("on").EnumerateArray().Select(e => e.GetString()!).Order().ToArray();

    /// <summary>Which remote videos receive packets (≥ 10 in the interval) and which decode frames (≥ 2) over <paramref name="seconds"/>.</summary>
    private async Task<(string[] Receiving, string[] Decoding)> SampleAsync(IPage page, double seconds)
    {
        var before = await InboundAsync(page);
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var after = await InboundAsync(page);
        output.WriteLine("  packets/frames in the sample: " + string.Join(", ", after.Select(kv =>
            $"{kv.Key}:{kv.Value.PacketsReceived - (before.GetValueOrDefault(kv.Key)?.PacketsReceived ?? 0)}/{kv.Value.FramesDecoded - (before.GetValueOrDefault(kv.Key)?.FramesDecoded ?? 0)}"))
            + $"; speaker messages {await page.EvaluateAsync<int>("() => window.dwr.speakerMessages")}, speaker {await page.EvaluateAsync<string?>("() => window.dwr.speaker")}, on now [{string.Join(',', await ForwardedOnAsync(page))}]");
        var receiving = after.Where(kv => kv.Value.PacketsReceived - (before.GetValueOrDefault(kv.Key)?.PacketsReceived ?? 0) >= 10).Select(kv => kv.Key).Order().ToArray();
        var decoding = after.Where(kv => kv.Value.FramesDecoded - (before.GetValueOrDefault(kv.Key)?.FramesDecoded ?? 0) >= 2).Select(kv => kv.Key).Order().ToArray();
        return (receiving, decoding);
    }

    [Fact]
    public async Task Eight_participants_with_last_n_3_receive_exactly_3_videos_and_a_new_speaker_takes_a_slot()
    {
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:Media:LastN"] = N.ToString(System.Globalization.CultureInfo.InvariantCulture), ["Sfu:P2PEnabled"] = "false",
            // The load generator's participants send no signaling after joining: keep them past the 45 s idle limit.
            ["Sfu:Limits:IdleTimeout"] = "00:10:00" });
        var pages = new List<IPage>();
        foreach (var name in new[] { "alice", "bob", "carol" })
        {
            // alice pages 4 tiles at a time: her own, bob, carol, p10 | p11 … p14.
            var page = await host.OpenAsync(SyntheticPublishers.Room, name, name == "alice" ? "&pageSize=4" : "");
            await Dwr.WaitForModeAsync(page, "sfu");
            // Muted microphones send silence: only the synthetic speaker below is loud (the fake device beeps).
            await page.ClickAsync("#btn-mic");
            pages.Add(page);
        }

        var browserIds = new List<string>();
        foreach (var page in pages)
        {
            browserIds.Add(await Dwr.IdAsync(page));
        }

        await using var synthetic = await SyntheticPublishers.JoinAsync(host.BaseUri, 5, 10,
            new MediaProfile { AudioLevelExtensionId = 1, VideoBitrate = 150_000, VideoFps = 15, KeyFrameInterval = TimeSpan.FromSeconds(2) });
        await pages[0].WaitForFunctionAsync("() => window.dwr.participants.length === 7", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        var ids = (await pages[0].EvaluateAsync<JsonElement>("() => window.dwr.participants")).EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("id").GetString()!);
        var speakerId = ids["p13"];

        // Phase 1: every page reports 3 forwarded videos, receives exactly those, and decodes the Chromium ones.
        foreach (var page in pages)
        {
            await page.WaitForFunctionAsync("n => window.dwr.forwarded.on.length === n && window.dwr.forwarded.off.length === 7 - n", N,
                new PageWaitForFunctionOptions { Timeout = 30_000 });
        }

        await Task.Delay(1500);
        for (var i = 0; i < pages.Count; i++)
        {
            var on = await ForwardedOnAsync(pages[i]);
            var (receiving, decoding) = await SampleAsync(pages[i], 3);
            output.WriteLine($"before: page {i} on=[{string.Join(',', on)}] receiving=[{string.Join(',', receiving)}] decoding=[{string.Join(',', decoding)}]");
            Assert.Equal(N, on.Length);
            Assert.Equal(on, receiving);
            Assert.Equal(on.Where(browserIds.Contains).Order(), decoding);
            Assert.DoesNotContain(speakerId, on);
        }

        // Phase 2: p13 speaks loudly; after the detector's hysteresis (~1-2 s) it is the dominant speaker everywhere.
        var spoke = DateTime.UtcNow;
        synthetic.Participants[3].Audio!.AudioLevel = 10;
        foreach (var page in pages)
        {
            await page.WaitForFunctionAsync("id => window.dwr.speaker === id", speakerId, new PageWaitForFunctionOptions { Timeout = 20_000 });
        }

        output.WriteLine($"speaker message on all pages {(DateTime.UtcNow - spoke).TotalMilliseconds:F0} ms after p13 started speaking");
        foreach (var page in pages)
        {
            await page.WaitForFunctionAsync("id => window.dwr.forwarded.on.includes(id)", speakerId, new PageWaitForFunctionOptions { Timeout = 10_000 });
            Assert.True(await page.EvaluateAsync<bool>("id => document.querySelector(`.tile[data-key=\"${id}\"]`)?.classList.contains('speaking') === true", speakerId));
        }

        await Task.Delay(1500);
        for (var i = 0; i < pages.Count; i++)
        {
            var on = await ForwardedOnAsync(pages[i]);
            var (receiving, decoding) = await SampleAsync(pages[i], 3);
            output.WriteLine($"after: page {i} on=[{string.Join(',', on)}] receiving=[{string.Join(',', receiving)}] decoding=[{string.Join(',', decoding)}]");
            Assert.Equal(N, on.Length);
            Assert.Contains(speakerId, on);
            Assert.Equal(on, receiving);
            Assert.Equal(on.Where(browserIds.Contains).Order(), decoding);
            var off = await pages[i].EvaluateAsync<int>("() => document.querySelectorAll('.tile.video-off').length");
            Assert.Equal(7 - N, off);

            // The quality indicator has judged the own tile and the remote ones from getStats.
            var quality = JsonDocument.Parse(await pages[i].EvaluateAsync<string>("() => JSON.stringify(window.dwr.quality)")).RootElement;
            Assert.Contains(quality.EnumerateObject(), q => q.Name == "self");
            Assert.All(quality.EnumerateObject(), q => Assert.Contains(q.Value.GetProperty("quality").GetString(), new[] { "good", "fair", "poor" }));
            Assert.True(await pages[i].EvaluateAsync<int>("() => document.querySelectorAll('.tile[data-quality] .quality').length") >= 2);
        }

        // Phase 3 (alice): the next grid page shows p11-p14, then pinning p14 puts its tile first (the page then
        // shows p10-p13). Expected each time: recent speakers, then pinned, then visible, then join order.
        string[] Ids(params string[] names) => [.. names.Select(n => ids[n])];
        string[] othersOfAlice = Ids("bob", "carol", "p10", "p11", "p12", "p13", "p14");
        await pages[0].EvaluateAsync("() => window.dwr.gridGo(1)");
        var grid = JsonDocument.Parse(await pages[0].EvaluateAsync<string>("() => JSON.stringify(window.dwr.grid)")).RootElement;
        Assert.Equal(Ids("p11", "p12", "p13", "p14").Order(), grid.GetProperty("visible").EnumerateArray().Select(e => e.GetString()!).Order());
        await WaitForOnAsync(pages[0], await ExpectedAsync(pages[0], othersOfAlice, pinned: [], visible: Ids("p11", "p12", "p13", "p14")));
        await pages[0].EvaluateAsync("id => window.dwr.pin(id)", ids["p14"]);
        var expected = await ExpectedAsync(pages[0], othersOfAlice, pinned: Ids("p14"), visible: Ids("p10", "p11", "p12", "p13"));
        Assert.Contains(ids["p14"], expected);
        await WaitForOnAsync(pages[0], expected);
        await Task.Delay(1000);
        var (receivingNow, _) = await SampleAsync(pages[0], 3);
        output.WriteLine($"alice after page turn and pin: expected [{string.Join(',', expected)}] receiving [{string.Join(',', receivingNow)}]");
        Assert.Equal(expected, receivingNow);
    }

    /// <summary>The last-N rule restated from the page's view: speakers (most recent first), pinned, visible, join order.</summary>
    private static async Task<string[]> ExpectedAsync(IPage page, string[] othersInJoinOrder, string[] pinned, string[] visible)
    {
        var history = (await page.EvaluateAsync<string[]>("() => window.dwr.speakerHistory")) ?? [];
        var chosen = new List<string>();
        foreach (var id in history.Where(othersInJoinOrder.Contains)
            .Concat(othersInJoinOrder.Where(pinned.Contains))
            .Concat(othersInJoinOrder.Where(visible.Contains))
            .Concat(othersInJoinOrder))
        {
            if (chosen.Count < N && !chosen.Contains(id))
            {
                chosen.Add(id);
            }
        }

        return [.. chosen.Order()];
    }

    private static async Task WaitForOnAsync(IPage page, string[] expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        string[] on = [];
        while (DateTime.UtcNow < deadline)
        {
            on = await ForwardedOnAsync(page);
            if (on.SequenceEqual(expected))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Equal(expected, on);
    }
}
