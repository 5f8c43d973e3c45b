using DigitalWeRoom.Sfu.Interop.Tests.Browser;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Embedding (docs/embedding.md): a host page on another origin creates the meeting with /external_api.js, gets its
/// events and drives it (mute, rename); an origin not in Sfu:Embed:AllowedOrigins is refused by the browser (CSP
/// frame-ancestors). In Chromium and in Firefox (<see cref="MeetingRig"/>).
/// </summary>
public sealed class EmbeddingTests
{
    /// <summary>The host app: reads the server and room from its query, records every event in window.events.</summary>
    private const string HostPage = """
        <!doctype html><html><head><title>host app</title></head><body>
        <div id="call" style="width: 900px; height: 600px"></div>
        <script>
          const q = new URLSearchParams(location.search);
          window.events = [];
          const s = document.createElement('script');
          s.src = q.get('server') + '/external_api.js';
          s.onload = () => {
            window.meeting = new DigitalWeRoomMeeting(q.get('server'), q.get('room'), document.getElementById('call'), { name: 'embedded' });
            window.meeting.on('*', (e) => window.events.push(e));
          };
          document.body.append(s);
        </script></body></html>
        """;

    private static Task WaitEventAsync(IMeetingPage page, string predicate, int timeoutMs = 30_000) =>
        page.WaitForFunctionAsync($"() => window.events.some(e => {predicate})", null, timeoutMs);

    [Theory]
    [MemberData(nameof(MeetingRig.Engines), MemberType = typeof(MeetingRig))]
    public async Task A_host_on_an_allowed_origin_embeds_drives_and_hears_the_meeting_and_another_origin_is_refused(string engine)
    {
        var rig = MeetingRig.Prepare(engine);
        await using var _ = rig;
        await using var allowed = new LoopbackPageServer(HostPage, rig.PageAddress);
        await using var stranger = new LoopbackPageServer(HostPage, rig.PageAddress);
        await rig.StartAsync(new() { ["Sfu:Embed:AllowedOrigins:0"] = allowed.Url.TrimEnd('/') });
        var server = rig.Origin.GetLeftPart(UriPartial.Authority);

        var app = await rig.OpenPageAsync($"{allowed.Url}?server={Uri.EscapeDataString(server)}&room=embedded");
        await WaitEventAsync(app, "e.event === 'joined' && e.data.name === 'embedded'");

        var bob = await rig.OpenAsync("embedded", "bob");
        await WaitEventAsync(app, "e.event === 'participant-joined' && e.data.name === 'bob'");
        await WaitEventAsync(app, "e.event === 'mode' && e.data.mode === 'p2p'");
        var embeddedId = (await app.EvaluateAsync("() => window.events.find(e => e.event === 'joined').data.id")).GetString()!;

        // The host mutes the meeting through the API: the others see it.
        await app.EvaluateAsync("() => window.meeting.mute(true)");
        await WaitEventAsync(app, "e.event === 'local' && e.data.audioMuted === true");
        await bob.WaitForFunctionAsync("id => document.querySelector(`#grid .tile[data-key='${id}'] .muted`)?.textContent.includes('mic off')", embeddedId);

        // The host renames its participant in the call: the server broadcasts it, bob's tile shows it, the host hears it.
        await app.EvaluateAsync("() => window.meeting.setDisplayName('Host App User')");
        await WaitEventAsync(app, "e.event === 'display-name' && e.data.self === true && e.data.name === 'Host App User'");
        await bob.WaitForFunctionAsync("id => document.querySelector(`#grid .tile[data-key='${id}'] .name`)?.textContent === 'Host App User'", embeddedId);

        await bob.CloseAsync();
        await WaitEventAsync(app, "e.event === 'participant-left' && e.data.name === 'bob'");

        // Another origin: the browser refuses to show the meeting in its frame, so it never says "ready" and never joins.
        var other = await rig.OpenPageAsync($"{stranger.Url}?server={Uri.EscapeDataString(server)}&room=embedded");
        await other.WaitForFunctionAsync("() => document.querySelector('iframe')");
        await Task.Delay(4000);
        Assert.Equal(0, (await other.EvaluateAsync("() => window.events.length")).GetInt32());
        var rooms = await rig.Host.RoomsAsync();
        Assert.Equal(1, rooms.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "embedded").GetProperty("participants").GetArrayLength());
    }
}
