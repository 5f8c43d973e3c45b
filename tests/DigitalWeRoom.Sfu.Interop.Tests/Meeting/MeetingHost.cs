using System.Text.Json;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>The real server on 127.0.0.1 (free port) plus one headless Chromium; each participant is a browser context.</summary>
internal sealed class MeetingHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;
    private ChromiumBrowser? _chromium;

    private MeetingHost(Dictionary<string, string?> settings)
    {
        _settings = settings;
        UseKestrel();
        StartServer();
        Addresses = [.. Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a))];
        BaseUri = Addresses[0];
    }

    public Uri BaseUri { get; }

    /// <summary>Whether the server holds back everything <paramref name="participantId"/> publishes of <paramref name="kind"/> (operator mute).</summary>
    public Task<bool> ProducerPausedAsync(string room, string participantId, string kind)
    {
        var session = Services.GetRequiredService<DigitalWeRoom.Sfu.Rooms.SfuPath.SfuMediaHost>().FindRoom(room)?.Find(participantId);
        var wanted = kind == "audio" ? DigitalWeRoom.Sfu.Media.Routing.MediaKind.Audio : DigitalWeRoom.Sfu.Media.Routing.MediaKind.Video;
        var producers = session?.Published.Where(t => t.Kind == wanted).SelectMany(t => t.Layers).ToArray() ?? [];
        return Task.FromResult(producers.Length > 0 && producers.All(p => p.Paused));
    }

    /// <summary>
    /// The server's view of every video consumer in <paramref name="room"/> (a failing test's output): paused, forwarded,
    /// skipped while waiting for a key frame, the simulcast layer in use and each layer's key frames and packets.
    /// </summary>
    public IEnumerable<string> VideoConsumerReport(string room)
    {
        var media = Services.GetRequiredService<DigitalWeRoom.Sfu.Rooms.SfuPath.SfuMediaHost>().FindRoom(room);
        if (media is null) yield break;
        foreach (var session in media.Sessions)
        {
            foreach (var track in session.Published.Where(t => t.Kind == DigitalWeRoom.Sfu.Media.Routing.MediaKind.Video))
            {
                string layers = string.Join(" ", track.Layers.Select(p => $"[{p.Rid} kf {p.KeyFrames} rx {p.Receiver.PacketsReceived} lost {p.Receiver.PacketsLost}]"));
                yield return $"{session.ParticipantId} publishes {track.TrackId}: {layers}";
                foreach (var c in track.Lowest.Consumers.ToArray())
                {
                    var s = c.Simulcast;
                    yield return $"  {c.Id}: paused {c.IsPaused} bwPaused {c.IsBandwidthPaused} closed {c.IsClosed} enqueued {c.PacketsEnqueued} "
                        + $"skippedWaitingKf {c.PacketsSkippedWaitingForKeyFrame}"
                        + (s is null ? "" : $" layer {s.CurrentLayer} target {s.TargetLayer} preferred {s.PreferredLayer} bw {s.BandwidthLayer} switches {s.Switches}");
                }
            }
        }
    }

    /// <summary>Every address the server listens on (several when the "urls" setting lists several).</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    public static async Task<MeetingHost> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var host = new MeetingHost(settings ?? []);
        host._chromium = await Chromium.LaunchAsync(extraArguments: Chromium.Autoplay);
        return host;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // The Testing environment serves the page's test hooks (window.dwr, ?fakeScreen=1, ...).
        builder.UseEnvironment("Testing");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseSetting("Sfu:Udp:BindAddress", "127.0.0.1");
        builder.UseSetting("Sfu:Udp:Port", "0");
        builder.UseSetting("Sfu:Tcp:Port", "0");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>The host's Chromium, for pages that are not meeting pages (a host app embedding the meeting).</summary>
    public IBrowser Browser => _chromium!.Browser;

    /// <summary>Opens /r/{room}?name={name} in a fresh browser context (own camera, own storage).</summary>
    public Task<IPage> OpenAsync(string room, string name, string query = "", Func<IBrowserContext, Task>? prepare = null) =>
        OpenMeetingAsync(_chromium!.Browser, BaseUri, room, name, query, prepare);

    /// <summary>
    /// Opens the meeting page of <paramref name="server"/> (/r/{room}?name={name}) in a fresh context of <paramref name="browser"/>
    /// with camera and microphone allowed; console errors and warnings go to <see cref="TestLog"/>.
    /// </summary>
    public static async Task<IPage> OpenMeetingAsync(IBrowser browser, Uri server, string room, string name, string query = "",
        Func<IBrowserContext, Task>? prepare = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { Permissions = ["camera", "microphone"] });
        if (prepare is not null)
        {
            await prepare(context);
        }

        var page = await context.NewPageAsync();
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning")
            {
                TestLog.Write($"[{name}] console.{message.Type}: {message.Text}");
            }
        };
        await page.GotoAsync(new Uri(server, $"/r/{room}?name={Uri.EscapeDataString(name)}{query}").ToString(),
            new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded });
        return page;
    }

    public async Task<JsonElement> RoomsAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseUri };
        return JsonDocument.Parse(await http.GetStringAsync("/api/rooms")).RootElement.Clone();
    }

    public override async ValueTask DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

/// <summary>Reads the page's <c>window.dwr</c> test hooks, in Chromium (Playwright) or Firefox (<see cref="ScriptedPage"/>).</summary>
internal static class Dwr
{
    public static Task WaitForModeAsync(IPage page, string mode, float timeoutMs = 20_000) => WaitForModeAsync(page.AsMeetingPage(), mode, (int)timeoutMs);

    public static Task WaitForModeAsync(IMeetingPage page, string mode, int timeoutMs = 20_000) =>
        page.WaitForFunctionAsync("m => window.dwr && window.dwr.mode === m", mode, timeoutMs);

    /// <summary>
    /// Waits until <paramref name="a"/> and <paramref name="b"/> are peer-to-peer and each decodes the other's video
    /// and audio there; returns their participant ids.
    /// </summary>
    public static async Task<(string AId, string BId)> AssertMeetingP2PAsync(IMeetingPage a, IMeetingPage b, int timeoutMs = 20_000)
    {
        await WaitForModeAsync(a, "p2p", timeoutMs);
        await WaitForModeAsync(b, "p2p", timeoutMs);
        var aId = await IdAsync(a);
        var bId = await IdAsync(b);
        await AssertFlowingAsync(a, bId, "p2p", seconds: 1);
        await AssertFlowingAsync(b, aId, "p2p", seconds: 1);
        return (aId, bId);
    }

    /// <summary>Milliseconds from the page's navigation start to its first decoded remote video frame.</summary>
    public static async Task<double> FirstRemoteFrameMsAsync(IMeetingPage page)
    {
        await page.WaitForFunctionAsync("() => window.dwr && window.dwr.firstRemoteFrameAt !== null", null, 30_000);
        return (await page.EvaluateAsync("() => window.dwr.firstRemoteFrameAt")).GetDouble();
    }

    /// <summary>
    /// Waits until the header's path note (issue #14 item 4) says <paramref name="note"/> ("" = hidden: direct UDP);
    /// the page refreshes it from getStats every 2 s.
    /// </summary>
    public static Task WaitForPathNoteAsync(IMeetingPage page, string note, int timeoutMs = 15_000) =>
        page.WaitForFunctionAsync(
            "n => { const el = document.getElementById('path-note'); return !!el && (n === '' ? el.hidden : !el.hidden && el.textContent === n); }",
            note, timeoutMs);

    public static Task<string> ModeAsync(IPage page) => ModeAsync(page.AsMeetingPage());

    public static async Task<string> ModeAsync(IMeetingPage page) => (await page.EvaluateAsync("() => window.dwr.mode")).GetString()!;

    public static Task<string> IdAsync(IPage page) => IdAsync(page.AsMeetingPage());

    public static async Task<string> IdAsync(IMeetingPage page)
    {
        await page.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
        return (await page.EvaluateAsync("() => window.dwr.participantId")).GetString()!;
    }

    /// <summary>The stats of one remote participant on one path (<c>p2p</c> or <c>sfu</c>), or null.</summary>
    public static Task<PathStats?> StatsAsync(IPage page, string remoteId, string path) => StatsAsync(page.AsMeetingPage(), remoteId, path);

    public static async Task<PathStats?> StatsAsync(IMeetingPage page, string remoteId, string path)
    {
        var all = await page.EvaluateAsync("() => window.dwr.stats()");
        if (!all.TryGetProperty(remoteId, out var entry) || entry.GetProperty(path).ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var s = entry.GetProperty(path);
        return new PathStats(
            s.GetProperty("videoFramesDecoded").GetInt64(),
            s.GetProperty("videoPacketsReceived").GetInt64(),
            s.GetProperty("audioPacketsReceived").GetInt64(),
            s.GetProperty("screenFramesDecoded").GetInt64(),
            s.GetProperty("localAddress").GetString(),
            s.GetProperty("remoteAddress").GetString(),
            s.TryGetProperty("localCandidateType", out var type) ? type.GetString() : null,
            s.TryGetProperty("relayProtocol", out var relay) ? relay.GetString() : null);
    }

    /// <summary>Waits until video frames and audio packets from <paramref name="remoteId"/> increase on <paramref name="path"/>.</summary>
    public static Task<(PathStats Before, PathStats After)> AssertFlowingAsync(IPage page, string remoteId, string path, double seconds = 2) =>
        AssertFlowingAsync(page.AsMeetingPage(), remoteId, path, seconds);

    public static async Task<(PathStats Before, PathStats After)> AssertFlowingAsync(IMeetingPage page, string remoteId, string path, double seconds = 2)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        PathStats? before = null;
        while (DateTime.UtcNow < deadline)
        {
            before = await StatsAsync(page, remoteId, path);
            if (before is { VideoFramesDecoded: > 0, AudioPacketsReceived: > 0 })
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.True(before is { VideoFramesDecoded: > 0, AudioPacketsReceived: > 0 }, $"no {path} media from {remoteId}: {before}");
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var after = await StatsAsync(page, remoteId, path);
        // A loaded CI machine (two Chromium tests on two cores) stalls a browser's encoder for a second now and then,
        // even between two browsers alone: allow a few more seconds for the counters to move before calling it stopped.
        var grace = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < grace && (after is null || after.VideoFramesDecoded <= before!.VideoFramesDecoded || after.AudioPacketsReceived <= before.AudioPacketsReceived))
        {
            await Task.Delay(250);
            after = await StatsAsync(page, remoteId, path);
        }

        Assert.NotNull(after);
        Assert.True(after.VideoFramesDecoded > before!.VideoFramesDecoded, $"video frames did not increase: {before} -> {after}");
        Assert.True(after.AudioPacketsReceived > before.AudioPacketsReceived, $"audio packets did not increase: {before} -> {after}");
        return (before, after);
    }
}

internal sealed record PathStats(long VideoFramesDecoded, long VideoPacketsReceived, long AudioPacketsReceived, long ScreenFramesDecoded,
    string? LocalAddress, string? RemoteAddress, string? LocalCandidateType = null, string? RelayProtocol = null);

internal static class TestLog
{
    public static void Write(string line) => System.Diagnostics.Debug.WriteLine(line);
}
