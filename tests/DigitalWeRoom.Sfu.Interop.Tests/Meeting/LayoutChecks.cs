using DigitalWeRoom.Sfu.Interop.Tests.Browser;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// The meeting page's layout as a person sees it, checked the same way in Chromium and Firefox: geometry, axe-core,
/// and a screenshot of each state (TestResults/screenshots/{engine}-{state}.png) for a person to look at.
/// </summary>
internal static class LayoutChecks
{
    /// <summary>The start page at a desktop and a phone width: nothing overflows, no serious axe violation.</summary>
    public static async Task StartPageAsync(IMeetingPage page, string engine)
    {
        await page.WaitForFunctionAsync("() => document.getElementById('btn-start') && document.readyState === 'complete'");
        foreach (var (width, height, name) in new[] { (1280, 800, "start"), (390, 844, "start-phone") })
        {
            await page.SetViewportAsync(width, height);
            await page.WaitForFunctionAsync("w => window.innerWidth === w", width);
            var overflow = await page.EvaluateAsync("() => document.scrollingElement.scrollWidth - window.innerWidth");
            Assert.True(overflow.GetDouble() <= 0, $"{name}: the page is {overflow} px wider than the viewport");
            var (vw, vh) = await PageChecks.ViewportAsync(page);
            foreach (var box in await PageChecks.BoxesAsync(page, ".card, .card p, .card button, .card input"))
            {
                Assert.True(box.X >= 0 && box.X + box.W <= vw + 0.5, $"{name}: {box} leaves the viewport {vw}x{vh}");
            }

            await PageChecks.ScreenshotAsync(page, $"{engine}-{name}");
        }

        Assert.Empty(await PageChecks.SeriousAxeViolationsAsync(page));
        await page.SetViewportAsync(1280, 800);
    }

    /// <summary>The pre-join screen of a link without a name: the preview plays, the room's size shows, no serious axe violation.</summary>
    public static async Task PreJoinAsync(IMeetingPage page, string engine)
    {
        await page.WaitForFunctionAsync("() => !document.getElementById('prejoin').hidden");
        await page.WaitForFunctionAsync("() => { const v = document.getElementById('preview'); return v.videoWidth > 0 && !v.paused && v.currentTime > 0.3; }");
        await page.WaitForFunctionAsync("() => document.getElementById('room-status').textContent.length > 0");
        var options = await page.EvaluateAsync("() => ['sel-camera', 'sel-mic'].map(id => document.getElementById(id).options.length)");
        Assert.All(options.EnumerateArray(), n => Assert.True(n.GetInt32() >= 1));
        await page.EvaluateAsync("() => { document.getElementById('prejoin-name').value = 'Ada Lovelace'; }");
        await PageChecks.ScreenshotAsync(page, $"{engine}-prejoin");
        Assert.Empty(await PageChecks.SeriousAxeViolationsAsync(page));
    }

    /// <summary>
    /// Waits until every remote tile's video presents new frames (requestVideoFrameCallback), so a shot never catches a
    /// tile that is black because a layer switch after a resize still waits for its keyframe.
    /// </summary>
    public static Task WaitForMovingVideoAsync(IMeetingPage page) => page.WaitForFunctionAsync("""
        async () => {
          const videos = [...document.querySelectorAll('#grid .tile:not(.local):not(.video-off) video')].filter(v => v.srcObject);
          if (!videos.length) return false;
          const frame = (v) => new Promise((done) => {
            if (!v.requestVideoFrameCallback) { done(v.videoWidth > 0 && !v.paused); return; }
            const timer = setTimeout(() => done(false), 1000);
            v.requestVideoFrameCallback(() => { clearTimeout(timer); done(true); });
          });
          return (await Promise.all(videos.map(frame))).every(Boolean);
        }
        """, null, 30_000);

    /// <summary>Three people at 1280x800: tiles cover at least 60 % of the viewport, the bar is at most 96 px tall.</summary>
    public static async Task GridAsync(IMeetingPage page, string engine)
    {
        await page.SetViewportAsync(1280, 800);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#grid .tile:not([hidden])').length === 3 && !document.querySelector('#grid .tile.screen')");
        await Task.Delay(600); // the layout animates for 150 ms
        var (vw, vh) = await PageChecks.ViewportAsync(page);
        var tiles = await PageChecks.BoxesAsync(page, "#grid .tile");
        Assert.Equal(3, tiles.Length);
        var covered = tiles.Sum(t => t.Area) / (vw * vh);
        Assert.True(covered >= 0.60, $"tiles cover {covered:P0} of the viewport: {string.Join(", ", tiles)}");
        var bar = (await PageChecks.BoxesAsync(page, "#bar")).Single();
        Assert.True(bar.H <= 96, $"the control bar is {bar.H} px tall");
        Assert.True(bar.Inside(vw, vh), $"the bar {bar} leaves the viewport");
        // Share is offered exactly where the browser can share a screen (getDisplayMedia needs a secure context).
        var share = await page.EvaluateAsync("() => ({ shown: !document.getElementById('btn-screen').hidden, api: !!navigator.mediaDevices?.getDisplayMedia, secure: window.isSecureContext })");
        Assert.True(share.GetProperty("shown").GetBoolean() == share.GetProperty("api").GetBoolean(), $"Share button vs getDisplayMedia: {share}");
        await WaitForMovingVideoAsync(page);
        await PageChecks.ScreenshotAsync(page, $"{engine}-grid");
        Assert.Empty(await PageChecks.SeriousAxeViolationsAsync(page));

        await page.ClickAsync("#btn-chat");
        await page.WaitForFunctionAsync("() => !document.getElementById('panel-chat').hidden");
        await page.EvaluateAsync("() => { document.getElementById('chat-input').value = 'Hello everyone'; document.getElementById('chat-form').requestSubmit(); }");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#chat-log .text')].some(e => e.textContent === 'Hello everyone')");
        await Task.Delay(400);
        await WaitForMovingVideoAsync(page);
        var drawer = (await PageChecks.BoxesAsync(page, "#panel-chat")).Single();
        foreach (var tile in await PageChecks.BoxesAsync(page, "#grid .tile"))
        {
            Assert.True(tile.X + tile.W <= drawer.X + 0.5, $"a tile {tile} lies under the open chat {drawer}");
        }

        await PageChecks.ScreenshotAsync(page, $"{engine}-chat");
        Assert.Empty(await PageChecks.SeriousAxeViolationsAsync(page));
        await page.ClickAsync("#btn-chat");
    }

    /// <summary>At 390x844: one column, every tile at least 350 px wide, every control inside the viewport.</summary>
    public static async Task PhoneAsync(IMeetingPage page, string engine)
    {
        await page.SetViewportAsync(390, 844);
        await page.WaitForFunctionAsync("() => window.innerWidth === 390");
        await Task.Delay(600);
        var (vw, vh) = await PageChecks.ViewportAsync(page);
        var tiles = await PageChecks.BoxesAsync(page, "#grid .tile");
        Assert.NotEmpty(tiles);
        Assert.All(tiles, t => Assert.True(t.W >= 350, $"a tile is {t.W} px wide at 390 px: {t}"));
        Assert.All(tiles, t => Assert.True(t.Inside(vw, vh), $"a tile {t} leaves the viewport"));
        var controls = await PageChecks.BoxesAsync(page, "#bar button");
        Assert.True(controls.Length >= 7, $"{controls.Length} controls shown");
        Assert.All(controls, c => Assert.True(c.Inside(vw, vh), $"a control {c} leaves the {vw}x{vh} viewport"));
        Assert.All(controls, c => Assert.True(c.W >= 40 && c.H >= 40, $"a control {c} is smaller than a thumb"));
        await WaitForMovingVideoAsync(page);
        await PageChecks.ScreenshotAsync(page, $"{engine}-phone");
        await page.SetViewportAsync(1280, 800);
    }

    /// <summary>A shared screen goes to the stage by itself and takes at least 60 % of the viewport.</summary>
    public static async Task StageAsync(IMeetingPage page, string engine, Func<Task> share, Func<Task> unshare)
    {
        await page.SetViewportAsync(1280, 800);
        await share();
        await page.WaitForFunctionAsync("() => document.querySelector('#grid .tile.screen.on-stage')", null, 30_000);
        await page.WaitForFunctionAsync("() => { const v = document.querySelector('#grid .tile.screen video'); return v && v.videoWidth > 0; }", null, 30_000);
        await Task.Delay(600);
        var (vw, vh) = await PageChecks.ViewportAsync(page);
        var stage = (await PageChecks.BoxesAsync(page, "#grid .tile.screen.on-stage")).Single();
        Assert.True(stage.Area / (vw * vh) >= 0.60, $"the shared screen covers {stage.Area / (vw * vh):P0} of the viewport: {stage}");
        await PageChecks.ScreenshotAsync(page, $"{engine}-stage");
        await unshare();
        await page.WaitForFunctionAsync("() => !document.querySelector('#grid .tile.screen') && document.getElementById('grid').dataset.view === 'grid'", null, 30_000);
    }
}
