using System.Text.Json;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Embedding (docs/embedding.md): a host page on another origin creates the meeting with /external_api.js, gets its
/// events and drives it; an origin not in Sfu:Embed:AllowedOrigins is refused by the browser (CSP frame-ancestors).
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

    private static Task WaitEventAsync(IPage page, string predicate, int timeoutMs = 30_000) =>
        page.WaitForFunctionAsync($"() => window.events.some(e => {predicate})", null, new() { Timeout = timeoutMs, PollingInterval = 100 });

    [Fact]
    public async Task A_host_on_an_allowed_origin_embeds_drives_and_hears_the_meeting_and_another_origin_is_refused()
    {
        await using var allowed = new LoopbackPageServer(HostPage);
        await using var stranger = new LoopbackPageServer(HostPage);
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:Embed:AllowedOrigins:0"] = allowed.Url.TrimEnd('/') });
        var server = host.BaseUri.GetLeftPart(UriPartial.Authority);

        var context = await host.Browser.NewContextAsync(new() { Permissions = ["camera", "microphone"] });
        var app = await context.NewPageAsync();
        await app.GotoAsync($"{allowed.Url}?server={Uri.EscapeDataString(server)}&room=embedded");
        await WaitEventAsync(app, "e.event === 'joined' && e.data.name === 'embedded'");

        var bob = await host.OpenAsync("embedded", "bob");
        await WaitEventAsync(app, "e.event === 'participant-joined' && e.data.name === 'bob'");
        await WaitEventAsync(app, "e.event === 'mode' && e.data.mode === 'p2p'");
        var embeddedId = (await app.EvaluateAsync<JsonElement>("() => window.events.find(e => e.event === 'joined').data.id")).GetString()!;

        // The host mutes the meeting through the API: the others see it.
        await app.EvaluateAsync("() => window.meeting.mute(true)");
        await WaitEventAsync(app, "e.event === 'local' && e.data.audioMuted === true");
        await bob.WaitForFunctionAsync("id => document.querySelector(`#grid .tile[data-key='${id}'] .muted`)?.textContent.includes('mic off')", embeddedId);

        await bob.Context.CloseAsync();
        await WaitEventAsync(app, "e.event === 'participant-left' && e.data.name === 'bob'");

        // Another origin: the browser refuses to show the meeting in its frame, so it never says "ready" and never joins.
        var other = await context.NewPageAsync();
        await other.GotoAsync($"{stranger.Url}?server={Uri.EscapeDataString(server)}&room=embedded");
        await other.WaitForFunctionAsync("() => document.querySelector('iframe')");
        await Task.Delay(4000);
        Assert.Equal(0, await other.EvaluateAsync<int>("() => window.events.length"));
        Assert.DoesNotContain(other.Frames, f => f.Url.StartsWith(server, StringComparison.Ordinal));
        var rooms = await host.RoomsAsync();
        Assert.Equal(1, rooms.EnumerateArray().Single(r => r.GetProperty("name").GetString() == "embedded").GetProperty("participants").GetArrayLength());
    }
}
