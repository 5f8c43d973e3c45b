using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>Issue #4 items 4 (simulcast, per-subscriber layers) and dynacast with three Chromium participants.</summary>
public sealed class SimulcastMeetingTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    internal static async Task<(IPage Page, string Id)[]> JoinThreeAsync(MeetingHost host, string room)
    {
        var pages = new List<(IPage, string)>();
        foreach (var name in new[] { "alice", "bob", "carol" })
        {
            var page = await host.OpenAsync(room, name, "&camera=1280x720");
            await page.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
            pages.Add((page, await Dwr.IdAsync(page)));
        }

        foreach (var (page, _) in pages)
        {
            await Dwr.WaitForModeAsync(page, "sfu");
        }

        return [.. pages];
    }

    [Fact]
    public async Task Chromium_sends_three_rids_and_a_small_tile_gets_a_lower_layer_than_a_big_one_and_unused_layers_are_paused()
    {
        await using var host = await MeetingHost.StartAsync(new() { ["Sfu:P2PEnabled"] = "false" });
        var pages = await JoinThreeAsync(host, "simul");
        var (a, aId) = pages[0];
        var (b, _) = pages[1];
        var (c, _) = pages[2];

        // (i) Bob shows alice at 640x360 (layer h), carol at 1280x720 (f): the server receives all three rids of
        // alice's camera (q always stays on). Default tiles need only q, so the other cameras may pause h and f.
        await SimulcastPage.SetTileSizeAsync(b, aId, 640, 360);
        await SimulcastPage.SetTileSizeAsync(c, aId, 1280, 720);
        var media = host.Services.GetRequiredService<SfuMediaHost>().FindRoom("simul");
        Assert.NotNull(media);
        Producer[] Alice() => media.SimulcastTracks.FirstOrDefault(t => t[0].Publisher.Id == aId) ?? [];
        var start = new long[3];
        await SimulcastPage.WaitUntilAsync(() => Task.FromResult(media.SimulcastTracks.Count == 3 && Alice().Length == 3), Settle);
        await Task.Delay(1000);
        start = [.. Alice().Select(l => l.Receiver.PacketsReceived)];
        var allLayersFlow = await SimulcastPage.WaitUntilAsync(() => Task.FromResult(
            Alice() is { Length: 3 } t && t.Select((l, i) => l.Receiver.PacketsReceived - start[i]).All(n => n > 50)), Settle);
        foreach (var track in media.SimulcastTracks)
        {
            output.WriteLine($"{track[0].Id}: " + string.Join(", ", track.Select(l => $"rid {l.Rid} {l.Width}x{l.Height} ssrc {l.Ssrc:x8} packets {l.Receiver.PacketsReceived}")));
        }

        var sent = await SimulcastPage.OutboundLayersAsync(a);
        output.WriteLine("alice sends: " + string.Join(", ", sent.Select(l => $"{l.Key} active={l.Value.Active} sent={l.Value.PacketsSent} width={l.Value.FrameWidth}")));
        output.WriteLine("alice: " + await a.EvaluateAsync<string>("async () => { const r = await window.dwrSfu.pc.getStats(); let o=''; r.forEach(s => { if (s.type==='candidate-pair' && s.nominated) o += ` availableOutgoingBitrate=${s.availableOutgoingBitrate}`; if (s.type==='outbound-rtp' && s.kind==='video') o += ` ${s.rid}:${s.qualityLimitationReason}/${s.encoderImplementation}`; }); return o; }"));
        output.WriteLine($"router drops: {string.Join(", ", Enum.GetValues<DigitalWeRoom.Sfu.Protocols.DropReason>().Select(r => (r, n: media.Router.Counters.Drops.Get(r))).Where(x => x.n > 0).Select(x => $"{x.r}={x.n}"))}");
        Assert.True(allLayersFlow, "not every camera's three rids reached the server");

        // Per-layer bitrates Chromium produces (fake camera 1280x720; recorded in docs/media-routing.md).
        var first = await SimulcastPage.OutboundLayersAsync(a);
        await Task.Delay(5000);
        var second = await SimulcastPage.OutboundLayersAsync(a);
        output.WriteLine("alice per-layer send rate over 5 s: " + string.Join(", ", second.Select(l =>
            $"{l.Key} {l.Value.FrameWidth}px {(l.Value.BytesSent - first[l.Key].BytesSent) * 8 / 5000.0:F0} kbit/s")));
        output.WriteLine("alice encodings: " + await a.EvaluateAsync<string>("() => JSON.stringify(window.dwrSfu.pc.getSenders().filter(s => s.track?.kind === 'video').map(s => ({ deg: s.getParameters().degradationPreference, enc: s.getParameters().encodings })))"));
        output.WriteLine("server-measured layer rates: " + string.Join(", ", Alice().Select(l => $"{l.Rid} {l.Bitrate.Rate / 1000:F0} kbit/s")));
        Assert.All(media.SimulcastTracks, t => Assert.Equal(["q", "h", "f"], t.Select(l => l.Rid)));
        Assert.All(Alice(), l => Assert.NotEqual(0u, l.Ssrc));

        // Per-subscriber layers from tile sizes: bob shows alice small, carol big.
        await SimulcastPage.SetTileSizeAsync(b, aId, 160, 90);
        int small = 0, big = 0;
        var split = await SimulcastPage.WaitUntilAsync(async () =>
        {
            small = await SimulcastPage.InboundWidthAsync(b, aId);
            big = await SimulcastPage.InboundWidthAsync(c, aId);
            return small is > 0 and <= 320 && big >= 1280;
        }, Settle);
        output.WriteLine($"alice's video: bob (160x90 tile) frameWidth {small}, carol (1280x720 tile) frameWidth {big}");
        string Gates() => string.Join("; ", media.Router.Transports.ToArray().Select(t =>
            $"{t.Id}: est {t.Bandwidth.Estimate / 1000:F0}k limited {t.Bandwidth.Gate.IsLimited} x{t.Bandwidth.Gate.Limitations} loss {t.Bandwidth.Estimator.LossFraction:P0} usage {t.Bandwidth.Estimator.Usage} layers [{string.Join(",", t.Consumers.ToArray().Where(x => x.Simulcast is not null).Select(x => $"{x.Simulcast!.CurrentLayer}/{x.Simulcast.PreferredLayer}/{x.Simulcast.BandwidthLayer}"))}]"));
        output.WriteLine(Gates());
        Assert.True(split, $"small tile got {small}, big tile got {big}; {Gates()}");

        // (iii) Dynacast: nobody needs h → alice stops encoding it; f stays (carol).
        var layers = await SimulcastPage.OutboundLayersAsync(a);
        var hPaused = await SimulcastPage.WaitUntilAsync(async () => (layers = await SimulcastPage.OutboundLayersAsync(a))["h"].Active == false, Settle);
        output.WriteLine("alice layers, h unused: " + string.Join(", ", layers.Select(l => $"{l.Key} active={l.Value.Active} sent={l.Value.PacketsSent} width={l.Value.FrameWidth}")));
        Assert.True(hPaused, "h still active");
        Assert.True(layers["f"].Active && layers["q"].Active);

        // Carol's tile shrinks: nobody needs f any more → f paused and stops sending.
        await SimulcastPage.SetTileSizeAsync(c, aId, 160, 90);
        var fPaused = await SimulcastPage.WaitUntilAsync(async () => (layers = await SimulcastPage.OutboundLayersAsync(a))["f"].Active == false, Settle);
        Assert.True(fPaused, "f still active after no subscriber needs it");
        var before = layers["f"].PacketsSent;
        await Task.Delay(2000);
        layers = await SimulcastPage.OutboundLayersAsync(a);
        output.WriteLine($"alice f after pause: packetsSent {before} -> {layers["f"].PacketsSent} in 2 s; q {layers["q"].PacketsSent}");
        Assert.True(layers["f"].PacketsSent - before <= 5, $"f kept sending: {before} -> {layers["f"].PacketsSent}");
        Assert.True(await SimulcastPage.InboundWidthAsync(c, aId) <= 320);

        // Carol's tile grows again: f is resumed and carol gets the top layer back.
        await SimulcastPage.SetTileSizeAsync(c, aId, 1280, 720);
        var back = await SimulcastPage.WaitUntilAsync(async () => await SimulcastPage.InboundWidthAsync(c, aId) >= 1280, Settle);
        layers = await SimulcastPage.OutboundLayersAsync(a);
        output.WriteLine($"after regrow: carol frameWidth {await SimulcastPage.InboundWidthAsync(c, aId)}, alice f active={layers["f"].Active}");
        Assert.True(back, "top layer did not come back");
        Assert.True(media.LayerMessagesSent >= 3, $"layers messages sent: {media.LayerMessagesSent}");
    }
}
