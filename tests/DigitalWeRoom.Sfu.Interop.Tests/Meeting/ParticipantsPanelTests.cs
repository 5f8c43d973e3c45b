using DigitalWeRoom.Sfu.Server.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>The participants panel, raise hand and the keyboard shortcuts in Chromium; a room admin mutes and removes from the panel.</summary>
public sealed class ParticipantsPanelTests
{
    [Fact]
    public async Task Shortcuts_raise_hands_and_mute_and_a_room_admin_moderates_from_the_panel()
    {
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:Auth:Keys:interop"] = "interop-test-secret-0123456789abcdef" });
        var tokens = host.Services.GetRequiredService<RoomTokenService>();
        string Token(string identity, bool admin) => tokens.Issue(new RoomTokenRequest(identity, identity, new VideoGrant { Room = "panel", RoomAdmin = admin })).Token;

        var chair = await host.OpenAsync("panel", "chair", "&token=" + Token("chair", admin: true));
        await Dwr.IdAsync(chair);
        var ada = await host.OpenAsync("panel", "ada", "&token=" + Token("ada", admin: false));
        var adaId = await Dwr.IdAsync(ada);
        await chair.WaitForFunctionAsync("() => window.dwr.participants.length === 1");

        // H raises Ada's hand: the chair sees it on the tile, in the panel (first, with a label) and on the People button.
        await ada.Locator("body").PressAsync("h");
        Assert.Equal("true", await ada.GetAttributeAsync("#btn-hand", "aria-pressed"));
        await chair.WaitForFunctionAsync("id => document.querySelector(`#grid .tile[data-key='${id}']`).classList.contains('hand-raised')", adaId);
        Assert.Equal("1", await chair.TextContentAsync("#btn-people .badge"));
        await chair.ClickAsync("#btn-people");
        Assert.Equal(adaId, await chair.GetAttributeAsync("#people-list li:first-child", "data-id"));
        Assert.Equal(1, await chair.Locator($"#people-list li[data-id='{adaId}'] [aria-label='hand raised']").CountAsync());

        // M mutes Ada: the chair's panel shows her microphone off.
        await ada.Locator("body").PressAsync("m");
        await chair.WaitForSelectorAsync($"#people-list li[data-id='{adaId}'] [aria-label='microphone off']");
        await ada.Locator("body").PressAsync("m");
        await chair.WaitForSelectorAsync($"#people-list li[data-id='{adaId}'] [aria-label='microphone on']");

        // Ada is no admin: no moderation buttons for her. The chair mutes her, then removes her.
        await ada.ClickAsync("#btn-people");
        Assert.Equal(0, await ada.Locator("#people-list button").CountAsync());
        await chair.ClickAsync($"#people-list li[data-id='{adaId}'] button:text('Mute')");
        await ada.WaitForFunctionAsync("() => document.getElementById('btn-mic').getAttribute('aria-pressed') === 'true'");
        await chair.ClickAsync($"#people-list li[data-id='{adaId}'] button:text('Remove')");
        await ada.WaitForFunctionAsync("() => window.dwr.mode === 'left' && !document.getElementById('left-screen').hidden");
        Assert.Contains("removed", await ada.TextContentAsync("#error"), StringComparison.Ordinal);
        await chair.WaitForFunctionAsync("() => window.dwr.participants.length === 0 && document.querySelectorAll('#people-list li').length === 1");

        // ? opens the shortcut help.
        await chair.Locator("body").PressAsync("Shift+?");
        await chair.WaitForFunctionAsync("() => document.getElementById('help').open");
    }
}
