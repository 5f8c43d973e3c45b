using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>Meeting page behaviour in Chromium: screen share over P2P, controls, and the error messages a person sees.</summary>
public sealed class MeetingPageTests
{
    [Fact]
    public async Task Screen_share_and_mute_reach_the_peer_over_p2p()
    {
        await using var host = await MeetingHost.StartAsync();
        var a = await host.OpenAsync("share", "alice", "&fakeScreen=1");
        await a.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
        var b = await host.OpenAsync("share", "bob");
        await Dwr.WaitForModeAsync(a, "p2p");
        await Dwr.WaitForModeAsync(b, "p2p");
        var aId = await Dwr.IdAsync(a);

        await a.ClickAsync("#btn-screen");
        await b.WaitForSelectorAsync($"#grid .tile.screen[data-key='{aId}:screen']");
        var deadline = DateTime.UtcNow.AddSeconds(15);
        long frames = 0;
        while (DateTime.UtcNow < deadline && frames < 10)
        {
            frames = (await Dwr.StatsAsync(b, aId, "p2p"))?.ScreenFramesDecoded ?? 0;
            await Task.Delay(250);
        }

        Assert.True(frames >= 10, $"screen frames decoded by bob: {frames}");
        Assert.Equal("alice (screen)", await b.Locator($"#grid .tile.screen[data-key='{aId}:screen'] .name").TextContentAsync());
        await Dwr.AssertFlowingAsync(b, aId, "p2p", seconds: 1);

        await a.ClickAsync("#btn-mic");
        await b.WaitForFunctionAsync("id => document.querySelector(`#grid .tile[data-key='${id}'] .muted`).textContent.includes('mic off')", aId);

        await a.ClickAsync("#btn-screen");
        await b.WaitForSelectorAsync($"#grid .tile.screen[data-key='{aId}:screen']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Detached });
        Assert.Equal("p2p", await Dwr.ModeAsync(b));
    }

    [Fact]
    public async Task A_full_room_is_explained()
    {
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:Limits:MaxParticipantsPerRoom"] = "1" });
        var a = await host.OpenAsync("tiny", "alice");
        await a.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
        var b = await host.OpenAsync("tiny", "bob");
        await b.WaitForFunctionAsync("() => !document.getElementById('error').hidden");
        Assert.Contains("room is full", await b.TextContentAsync("#error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Denied_camera_is_explained_and_the_person_still_joins()
    {
        await using var host = await MeetingHost.StartAsync();
        var a = await host.OpenAsync("denied", "alice", "", context =>
            context.AddInitScriptAsync("navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));"));
        await a.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
        Assert.Contains("access was denied", await a.TextContentAsync("#error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_explained()
    {
        await using var host = await MeetingHost.StartAsync();
        var a = await host.OpenAsync("gone", "alice", "", context =>
            context.RouteWebSocketAsync("**/ws", ws => ws.CloseAsync()));
        await a.WaitForFunctionAsync("() => !document.getElementById('error').hidden");
        Assert.Contains("cannot be reached", await a.TextContentAsync("#error"), StringComparison.Ordinal);
    }
}
