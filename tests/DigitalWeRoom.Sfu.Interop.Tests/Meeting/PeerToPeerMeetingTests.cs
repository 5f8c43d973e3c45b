using System.Text.Json;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>Issue #3 tests 1, 4 and 5 with real Chromium: two participants talk browser to browser.</summary>
public sealed class PeerToPeerMeetingTests
{
    private static async Task<(IPage A, string AId, IPage B, string BId)> TwoInP2pAsync(MeetingHost host, string room)
    {
        var a = await host.OpenAsync(room, "alice");
        await a.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
        var b = await host.OpenAsync(room, "bob");
        await Dwr.WaitForModeAsync(a, "p2p");
        await Dwr.WaitForModeAsync(b, "p2p");
        return (a, await Dwr.IdAsync(a), b, await Dwr.IdAsync(b));
    }

    private static JsonElement Room(JsonElement rooms, string name) =>
        rooms.EnumerateArray().Single(r => r.GetProperty("name").GetString() == name);

    [Fact]
    public async Task Two_participants_decode_each_other_browser_to_browser()
    {
        await using var host = await MeetingHost.StartAsync();
        var (a, aId, b, bId) = await TwoInP2pAsync(host, "p2p-basic");

        var (_, fromB) = await Dwr.AssertFlowingAsync(a, bId, "p2p");
        var (_, fromA) = await Dwr.AssertFlowingAsync(b, aId, "p2p");

        // The selected pair joins the two browsers: each one's local address is the other's remote.
        Assert.StartsWith("127.0.0.1:", fromB.LocalAddress, StringComparison.Ordinal);
        Assert.Equal(fromB.LocalAddress, fromA.RemoteAddress);
        Assert.Equal(fromA.LocalAddress, fromB.RemoteAddress);

        var room = Room(await host.RoomsAsync(), "p2p-basic");
        Assert.Equal("p2p", room.GetProperty("mode").GetString());
        Assert.Equal(["alice", "bob"], room.GetProperty("participants").EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.Contains(room.GetProperty("participants")[0].GetProperty("tracks").EnumerateArray(), t => t.GetProperty("source").GetString() == "camera");

        // Nothing went through the server: it forwarded no packet, and no page received media from it.
        Assert.Equal(0, room.GetProperty("forwardedPackets").GetInt64());
        Assert.Null(await Dwr.StatsAsync(a, bId, "sfu"));
        Assert.Equal("peer-to-peer", await a.TextContentAsync("#mode"));
    }

    [Fact]
    public async Task A_reload_rejoins_without_a_ghost_and_the_pair_recovers()
    {
        await using var host = await MeetingHost.StartAsync();
        var (a, aId, b, oldBId) = await TwoInP2pAsync(host, "p2p-reload");

        await b.ReloadAsync();
        await b.WaitForFunctionAsync("old => window.dwr && window.dwr.participantId && window.dwr.participantId !== old", oldBId);
        var newBId = await Dwr.IdAsync(b);
        await Dwr.WaitForModeAsync(a, "p2p");
        await Dwr.WaitForModeAsync(b, "p2p");

        var participants = Room(await host.RoomsAsync(), "p2p-reload").GetProperty("participants").EnumerateArray()
            .Select(p => p.GetProperty("id").GetString()!).ToArray();
        Assert.Equal([aId, newBId], participants);
        var seenByA = await a.EvaluateAsync<string[]>("() => window.dwr.participants.map(p => p.id)");
        Assert.Equal([newBId], seenByA);
        Assert.Equal(1, await a.Locator("#grid .tile:not(.local)").CountAsync());

        await Dwr.AssertFlowingAsync(a, newBId, "p2p");
        await Dwr.AssertFlowingAsync(b, aId, "p2p");
    }

    [Fact]
    public async Task Bad_input_gets_errors_while_media_keeps_flowing_and_chat_markup_stays_text()
    {
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:Limits:MaxMessageBytes"] = "8192" });
        var (a, aId, b, bId) = await TwoInP2pAsync(host, "p2p-bad");
        await Dwr.AssertFlowingAsync(b, aId, "p2p", seconds: 1);

        const string validSdp = "v=0\\r\\ns=-\\r\\nm=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\n";
        string[] bad =
        [
            "{not json",
            """{"type":"explode"}""",
            "{\"type\":\"chat\",\"text\":\"" + new string('x', 9000) + "\"}",
            $$"""{"type":"offer","target":"{{bId}}","sdp":"garbage that is not sdp"}""",
            $$"""{"type":"offer","target":"{{bId}}","participantId":"{{bId}}","sdp":"{{validSdp}}"}""",
            $$"""{"type":"offer","target":"not-a-participant","sdp":"{{validSdp}}"}""",
        ];
        foreach (var text in bad)
        {
            await a.EvaluateAsync("t => window.dwr.sendRaw(t)", text);
        }

        await a.WaitForFunctionAsync("() => window.dwr.errors.length >= 6", null, new PageWaitForFunctionOptions { Timeout = 10_000 });
        var codes = await a.EvaluateAsync<string[]>("() => window.dwr.errors.map(e => e.code)");
        Assert.Equal(["invalid-message", "unknown-type", "too-large", "invalid-sdp", "not-your-id", "invalid-target"], codes);
        Assert.Empty(await b.EvaluateAsync<string[]>("() => window.dwr.errors.map(e => e.code)"));

        await Dwr.AssertFlowingAsync(b, aId, "p2p");
        await Dwr.AssertFlowingAsync(a, bId, "p2p");
        Assert.Equal("p2p", await Dwr.ModeAsync(a));
        Assert.Equal("p2p", await Dwr.ModeAsync(b));

        const string markup = "<img src=x onerror=\"window.__xss=1\"><b>bold</b> & <script>window.__xss=2</script>";
        await a.FillAsync("#chat-input", markup);
        await a.ClickAsync("#chat-form button");
        await b.WaitForFunctionAsync("t => [...document.querySelectorAll('#chat-log .text')].some(e => e.textContent === t)", markup);
        Assert.Equal(0, await b.Locator("#chat-log img, #chat-log b, #chat-log script").CountAsync());
        Assert.True(await b.EvaluateAsync<bool>("() => window.__xss === undefined"));
        Assert.Equal(markup, await b.Locator("#chat-log li:not(.system) .text").Last.TextContentAsync());
        Assert.Equal("alice", await b.Locator("#chat-log li:not(.system) .who").Last.TextContentAsync());
    }
}
