using System.Net.Http.Json;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>The operator Room API acting on real Chromium pages through the server path.</summary>
public sealed class OperatorMeetingTests
{
    [Fact]
    public async Task Operator_mute_stops_forwarding_and_remove_is_explained_on_the_page()
    {
        // P2P off: two participants already go through the server, which is what an operator mute acts on.
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:P2PEnabled"] = "false" });
        var a = await host.OpenAsync("ops", "alice");
        await a.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
        var b = await host.OpenAsync("ops", "bob");
        await b.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
        var aId = await Dwr.IdAsync(a);
        await Dwr.AssertFlowingAsync(b, aId, "sfu", seconds: 1);

        using var http = new HttpClient { BaseAddress = host.BaseUri };
        foreach (var kind in new[] { "audio", "video" })
        {
            using var muted = await http.PostAsJsonAsync($"/api/rooms/ops/participants/{aId}/mute", new { kind, muted = true });
            Assert.Equal(System.Net.HttpStatusCode.OK, muted.StatusCode);
        }

        // Alice's page mutes itself and shows it; Bob's shows her muted.
        await a.WaitForFunctionAsync("() => document.getElementById('btn-mic').getAttribute('aria-pressed') === 'true' && document.getElementById('btn-cam').getAttribute('aria-pressed') === 'true'");
        await b.WaitForFunctionAsync("id => document.querySelector(`#grid .tile[data-key='${id}'] .muted`).textContent.includes('mic off')", aId);

        // The server forwards nothing of hers any more (packets in flight at the mute are let through first).
        await Task.Delay(1500);
        var before = await Dwr.StatsAsync(b, aId, "sfu");
        await Task.Delay(2500);
        var after = await Dwr.StatsAsync(b, aId, "sfu");
        Assert.NotNull(before);
        Assert.Equal(before.VideoPacketsReceived, after!.VideoPacketsReceived);
        // On the server too: a simulcast camera is one producer per layer, and every layer must stop.
        Assert.True(await host.ProducerPausedAsync("ops", aId, "audio"), "the server holds back her audio");
        Assert.True(await host.ProducerPausedAsync("ops", aId, "video"), "the server holds back her video");
        Assert.Equal(before.AudioPacketsReceived, after.AudioPacketsReceived);

        // Unmuted by the operator and by herself: her audio flows again.
        using (var unmuted = await http.PostAsJsonAsync($"/api/rooms/ops/participants/{aId}/mute", new { kind = "audio", muted = false }))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, unmuted.StatusCode);
        }

        await a.ClickAsync("#btn-mic");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        long audio = after.AudioPacketsReceived;
        while (DateTime.UtcNow < deadline && audio <= after.AudioPacketsReceived + 20)
        {
            await Task.Delay(250);
            audio = (await Dwr.StatsAsync(b, aId, "sfu"))?.AudioPacketsReceived ?? 0;
        }

        Assert.True(audio > after.AudioPacketsReceived + 20, $"audio did not resume: {after.AudioPacketsReceived} -> {audio}");

        // Removed: Bob's page says so, Alice's no longer lists him.
        var bId = await Dwr.IdAsync(b);
        using (var removed = await http.DeleteAsync($"/api/rooms/ops/participants/{bId}"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, removed.StatusCode);
        }

        await b.WaitForFunctionAsync("() => !document.getElementById('error').hidden && document.getElementById('error').textContent.includes('removed')");
        await a.WaitForFunctionAsync("id => !window.dwr.participants.some(p => p.id === id)", bId);
        Assert.Equal("alice", (await host.RoomsAsync())[0].GetProperty("participants")[0].GetProperty("name").GetString());
    }
}
