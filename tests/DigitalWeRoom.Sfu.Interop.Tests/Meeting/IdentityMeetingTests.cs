using DigitalWeRoom.Sfu.Server.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>Identity from the token in the page: the token's name is shown, and a second join of one identity leaves one tile.</summary>
public sealed class IdentityMeetingTests
{
    [Fact]
    public async Task The_token_name_wins_and_a_second_join_of_the_same_identity_replaces_the_first()
    {
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:Auth:Keys:interop"] = "interop-test-secret-0123456789abcdef" });
        var tokens = host.Services.GetRequiredService<RoomTokenService>();
        string Token(string identity, string name) => tokens.Issue(new RoomTokenRequest(identity, name, new VideoGrant { Room = "who" })).Token;

        // The link says "Mallory"; the token says "Ada Lovelace": the token wins, on her page and on Grace's.
        var ada = await host.OpenAsync("who", "Mallory", "&token=" + Token("ada", "Ada Lovelace"));
        var adaId = await Dwr.IdAsync(ada);
        var grace = await host.OpenAsync("who", "Grace", "&token=" + Token("grace", "Grace Hopper"));
        await Dwr.IdAsync(grace);
        await grace.WaitForFunctionAsync("id => document.querySelector(`#grid .tile[data-key='${id}'] .name`)?.textContent === 'Ada Lovelace'", adaId);
        Assert.Equal("Ada Lovelace (you)", await ada.TextContentAsync("#grid .tile[data-key='self'] .name"));

        // Ada opens the meeting again in another browser: the first session is closed and says why, Grace sees one Ada.
        var again = await host.OpenAsync("who", "Ada", "&token=" + Token("ada", "Ada Lovelace"));
        var againId = await Dwr.IdAsync(again);
        await ada.WaitForFunctionAsync("() => window.dwr.errors.some(e => e.code === 'replaced') && window.dwr.mode === 'left'");
        Assert.Contains("another tab or device", await ada.TextContentAsync("#error"), StringComparison.Ordinal);
        await grace.WaitForFunctionAsync("id => window.dwr.participants.length === 1 && window.dwr.participants[0].id === id", againId);
        Assert.Equal(1, await grace.Locator("#grid .tile:not(.local):not(.screen)").CountAsync());
        await Task.Delay(2000);
        Assert.Equal(1, await grace.Locator("#grid .tile:not(.local):not(.screen)").CountAsync());
        Assert.Equal(0, await ada.EvaluateAsync<int>("() => window.dwr.reconnects"));
        await Dwr.AssertFlowingAsync(grace, againId, "p2p", seconds: 1);
    }
}
