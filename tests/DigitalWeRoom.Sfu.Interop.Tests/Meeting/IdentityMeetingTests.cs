using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Server.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Identity from the token in the page, in Chromium and in Firefox (<see cref="MeetingRig"/>): the token's name is
/// shown (and cannot be changed in the call), and a second join of one identity leaves one tile.
/// </summary>
public sealed class IdentityMeetingTests
{
    [Theory]
    [MemberData(nameof(MeetingRig.Engines), MemberType = typeof(MeetingRig))]
    public async Task The_token_name_wins_and_a_second_join_of_the_same_identity_replaces_the_first(string engine)
    {
        await using var rig = await MeetingRig.StartAsync(engine, new() { ["Sfu:Auth:Keys:interop"] = "interop-test-secret-0123456789abcdef" });
        var tokens = rig.Host.Services.GetRequiredService<RoomTokenService>();
        string Token(string identity, string name) => tokens.Issue(new RoomTokenRequest(identity, name, new VideoGrant { Room = "who" })).Token;

        // The link says "Mallory"; the token says "Ada Lovelace": the token wins, on her page and on Grace's.
        var ada = await rig.OpenAsync("who", "Mallory", "&token=" + Token("ada", "Ada Lovelace"));
        var adaId = await Dwr.IdAsync(ada);
        var grace = await rig.OpenAsync("who", "Grace", "&token=" + Token("grace", "Grace Hopper"));
        await Dwr.IdAsync(grace);
        await grace.WaitForFunctionAsync("id => document.querySelector(`#grid .tile[data-key='${id}'] .name`)?.textContent === 'Ada Lovelace'", adaId);
        Assert.Equal("Ada Lovelace (you)", await ada.TextAsync("#grid .tile[data-key='self'] .name"));
        // The token chose the name: the Settings name field says so and cannot be edited.
        Assert.True((await ada.EvaluateAsync("() => document.getElementById('rename-input').readOnly")).GetBoolean());
        Assert.Contains("invitation", await ada.TextAsync("#rename-note"), StringComparison.Ordinal);

        // Ada opens the meeting again in another browser: the first session is closed and says why, Grace sees one Ada.
        var again = await rig.OpenAsync("who", "Ada", "&token=" + Token("ada", "Ada Lovelace"));
        var againId = await Dwr.IdAsync(again);
        await ada.WaitForFunctionAsync("() => window.dwr.errors.some(e => e.code === 'replaced') && window.dwr.mode === 'left'");
        Assert.Contains("another tab or device", await ada.TextAsync("#error"), StringComparison.Ordinal);
        await grace.WaitForFunctionAsync("id => window.dwr.participants.length === 1 && window.dwr.participants[0].id === id", againId);
        const string RemoteTiles = "#grid .tile:not(.local):not(.screen)";
        Assert.Equal(1, await grace.CountAsync(RemoteTiles));
        await Task.Delay(2000);
        Assert.Equal(1, await grace.CountAsync(RemoteTiles));
        Assert.Equal(0, (await ada.EvaluateAsync("() => window.dwr.reconnects")).GetInt32());
        await Dwr.AssertFlowingAsync(grace, againId, "p2p", seconds: 1);
    }
}
