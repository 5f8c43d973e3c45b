using DigitalWeRoom.Sfu.Interop.Tests.Browser;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// A display name changed in the call (set-name, docs/signaling.md), in Chromium and in Firefox: through the page's own
/// UI (participants panel → Change name → Settings), every page updates its tile and its participants panel, and a
/// later joiner sees the new name.
/// </summary>
public sealed class RenameMeetingTests
{
    private const string PanelName = "([id, name]) => [...document.querySelectorAll('#people-list .person')].some(li => li.dataset.id === id && li.querySelector('.person-name').textContent === name)";

    [Theory]
    [MemberData(nameof(MeetingRig.Engines), MemberType = typeof(MeetingRig))]
    public async Task A_rename_in_the_call_reaches_every_tile_and_participants_panel(string engine)
    {
        await using var rig = await MeetingRig.StartAsync(engine);
        var a = await rig.OpenAsync("rename", "alice");
        var aId = await Dwr.IdAsync(a);
        var b = await rig.OpenAsync("rename", "bob");
        await Dwr.IdAsync(b);
        await b.WaitForFunctionAsync("id => document.querySelector(`#grid .tile[data-key='${id}'] .name`)?.textContent === 'alice'", aId);

        // Alice: People → "Change name" on her own row → the Settings name field, focused; type and save.
        await a.ClickAsync("#btn-people");
        await a.ClickAsync("#people-list .person .actions button");
        await a.WaitForFunctionAsync("() => document.getElementById('settings').open && document.activeElement?.id === 'rename-input'");
        await a.EvaluateAsync("() => { document.getElementById('rename-input').value = '  Alice Liddell '; document.getElementById('rename-form').requestSubmit(); }");

        await b.WaitForFunctionAsync("id => document.querySelector(`#grid .tile[data-key='${id}'] .name`)?.textContent === 'Alice Liddell'", aId);
        await b.ClickAsync("#btn-people");
        await b.WaitForFunctionAsync(PanelName, new[] { aId, "Alice Liddell" });
        await a.WaitForFunctionAsync("() => document.querySelector(`#grid .tile[data-key='self'] .name`)?.textContent === 'Alice Liddell (you)'");
        await a.WaitForFunctionAsync(PanelName, new[] { aId, "Alice Liddell (you)" });
        Assert.Equal("Alice Liddell", (await a.EvaluateAsync("() => window.dwr.name")).GetString());

        // An invalid name is not sent: the field says why and the name stays.
        await a.EvaluateAsync("() => { document.getElementById('rename-input').value = '   '; document.getElementById('rename-form').requestSubmit(); }");
        Assert.Contains("1 to 64", await a.TextAsync("#rename-note"), StringComparison.Ordinal);

        var c = await rig.OpenAsync("rename", "carol");
        await Dwr.IdAsync(c);
        await c.WaitForFunctionAsync("id => document.querySelector(`#grid .tile[data-key='${id}'] .name`)?.textContent === 'Alice Liddell'", aId);
        Assert.Equal("Alice Liddell", (await b.EvaluateAsync("id => window.dwr.participants.find(p => p.id === id).name", aId)).GetString());
    }
}
