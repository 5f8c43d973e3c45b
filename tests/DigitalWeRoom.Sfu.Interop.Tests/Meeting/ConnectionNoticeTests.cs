using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Server.Health;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// What the page says when the server ends or moves the call, in Chromium and in Firefox (<see cref="MeetingRig"/>):
/// a drain (SIGTERM: <see cref="DrainCoordinator"/>) shows a notice that stays while the call goes on, then the page
/// keeps its tiles under "Reconnecting…"; a room closed through the Room API says so and offers Rejoin and Back.
/// </summary>
public sealed class ConnectionNoticeTests
{
    private const string NoticeShown = "() => !document.getElementById('notice').hidden && document.getElementById('notice').textContent.includes('restarting for maintenance')";

    [Theory]
    [MemberData(nameof(MeetingRig.Engines), MemberType = typeof(MeetingRig))]
    public async Task A_draining_server_shows_a_notice_that_stays_while_the_call_goes_on_then_the_page_keeps_its_tiles(string engine)
    {
        // Peer-to-peer off: the media of the two goes through the server that is draining.
        await using var rig = await MeetingRig.StartAsync(engine, new() { ["Sfu:P2PEnabled"] = "false", ["Sfu:DrainTimeout"] = "00:00:20" });
        var a = await rig.OpenAsync("drain", "alice");
        var aId = await Dwr.IdAsync(a);
        var b = await rig.OpenAsync("drain", "bob");
        var bId = await Dwr.IdAsync(b);
        await Dwr.AssertFlowingAsync(b, aId, "sfu", seconds: 1);

        // What SIGTERM starts: every participant is told, then the server waits for the rooms to empty.
        var stopping = rig.Host.Services.GetRequiredService<DrainCoordinator>().StoppingAsync(CancellationToken.None);
        await a.WaitForFunctionAsync(NoticeShown);
        await b.WaitForFunctionAsync(NoticeShown);

        // The call goes on, and the notice stays past the 6 s an ordinary notice is shown for.
        await Task.Delay(7000);
        Assert.False(stopping.IsCompleted, "the drain ended before the checks (machine too slow for a 20 s drain)");
        Assert.True((await b.EvaluateAsync(NoticeShown)).GetBoolean(), "the draining notice went away during the drain");
        Assert.Equal("sfu", await Dwr.ModeAsync(b));
        await Dwr.AssertFlowingAsync(b, aId, "sfu", seconds: 1);
        await Dwr.AssertFlowingAsync(a, bId, "sfu", seconds: 1);

        // The drain ends with both still in: the sockets close; each page keeps the other's tile under "Reconnecting…".
        await stopping;
        foreach (var (page, other) in new[] { (a, bId), (b, aId) })
        {
            await page.WaitForFunctionAsync("id => !document.getElementById('reconnecting').hidden && document.querySelector(`#grid .tile[data-key='${id}']`) !== null", other);
            Assert.Equal("connecting", await Dwr.ModeAsync(page));
            Assert.True((await page.EvaluateAsync("() => document.getElementById('left-screen').hidden")).GetBoolean());
        }
    }

    [Theory]
    [MemberData(nameof(MeetingRig.Engines), MemberType = typeof(MeetingRig))]
    public async Task A_room_closed_by_the_operator_says_so_and_offers_rejoin_and_back(string engine)
    {
        await using var rig = await MeetingRig.StartAsync(engine);
        var a = await rig.OpenAsync("closing", "alice");
        var aId = await Dwr.IdAsync(a);
        var b = await rig.OpenAsync("closing", "bob");
        await Dwr.IdAsync(b);
        await Dwr.WaitForModeAsync(b, "p2p");

        using var http = new HttpClient { BaseAddress = rig.Host.BaseUri };
        using (var closed = await http.DeleteAsync("/api/rooms/closing"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, closed.StatusCode);
        }

        foreach (var page in new[] { a, b })
        {
            await page.WaitForFunctionAsync("() => window.dwr.mode === 'left' && !document.getElementById('left-screen').hidden");
            Assert.Equal("This meeting was closed", await page.TextAsync("#left-title"));
            Assert.Contains("The organiser closed this meeting", await page.TextAsync("#error"), StringComparison.Ordinal);
            Assert.Equal("/", await page.AttributeAsync("#left-screen a:not(#btn-rejoin)", "href"));
            Assert.True((await page.EvaluateAsync("() => document.activeElement?.id === 'btn-rejoin'")).GetBoolean(), "Rejoin has the focus");
        }

        // No automatic reconnect after a close; the Rejoin button joins the room again as the same name.
        await Task.Delay(2000);
        Assert.Equal(0, (await a.EvaluateAsync("() => window.dwr.reconnects")).GetInt32());
        Assert.Empty((await rig.Host.RoomsAsync()).EnumerateArray());
        Assert.Contains("/r/closing?name=alice", await a.AttributeAsync("#btn-rejoin", "href"), StringComparison.Ordinal);
        await a.ClickAsync("#btn-rejoin");
        await a.WaitForFunctionAsync("old => window.dwr && window.dwr.participantId && window.dwr.participantId !== old", aId);
        Assert.Equal("alice", (await rig.Host.RoomsAsync())[0].GetProperty("participants")[0].GetProperty("name").GetString());
    }
}
