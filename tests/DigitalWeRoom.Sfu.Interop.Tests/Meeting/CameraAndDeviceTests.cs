using DigitalWeRoom.Sfu.Interop.Tests.Browser;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Own media, in Chromium and in Firefox (<see cref="MeetingRig"/>): the pre-join choices (camera off sends no video;
/// a denied camera still joins with audio and says so), camera off/on mid-call (the track ends; video comes back to
/// the others on the P2P and the server path) and a device switch (a new track in the same senders, media keeps flowing).
/// </summary>
public sealed class CameraAndDeviceTests
{
    private static Task<long> FramesAsync(IMeetingPage page, string remoteId, string path) =>
        Dwr.StatsAsync(page, remoteId, path).ContinueWith(t => t.Result?.VideoFramesDecoded ?? 0, TaskScheduler.Default);

    /// <summary>Waits until the video frames <paramref name="viewer"/> decodes from <paramref name="remoteId"/> grow by 10 (or fails).</summary>
    private static async Task AssertVideoFlowsAsync(IMeetingPage viewer, string remoteId, string path)
    {
        var start = await FramesAsync(viewer, remoteId, path);
        await viewer.WaitForFunctionAsync("([id, path, n]) => window.dwr.stats().then(s => (s[id]?.[path]?.videoFramesDecoded ?? 0) >= n)",
            new object[] { remoteId, path, start + 10 }, 20_000);
    }

    /// <summary>Frames stop growing: at most a couple more in 1.5 s once the sender stopped.</summary>
    private static async Task AssertVideoStoppedAsync(IMeetingPage viewer, string remoteId, string path)
    {
        await Task.Delay(1000);
        var before = await FramesAsync(viewer, remoteId, path);
        await Task.Delay(1500);
        var after = await FramesAsync(viewer, remoteId, path);
        Assert.True(after - before <= 2, $"video from {remoteId} on {path} still decodes: {before} -> {after}");
    }

    private static Task WaitCameraOffTileAsync(IMeetingPage viewer, string id, bool off) =>
        viewer.WaitForFunctionAsync("([id, off]) => document.querySelector(`.tile[data-key='${id}']`)?.classList.contains('camera-off') === off",
            new object[] { id, off });

    [Theory]
    [MemberData(nameof(MeetingRig.Engines), MemberType = typeof(MeetingRig))]
    public async Task Joining_with_the_camera_off_sends_no_video_and_a_denied_camera_still_joins_with_audio(string engine)
    {
        await using var rig = await MeetingRig.StartAsync(engine);
        // Alice turns her camera off on the pre-join screen.
        var a = await rig.OpenAsync("prejoin-off", "alice", "&prejoin=1");
        await a.WaitForFunctionAsync("() => { const v = document.getElementById('preview'); return v.videoWidth > 0 && v.currentTime > 0.2; }");
        await a.ClickAsync("#pj-cam");
        await a.WaitForFunctionAsync("() => !document.getElementById('preview-off').hidden && document.getElementById('prejoin-message').textContent.includes('camera off')");
        await a.ClickAsync("#btn-join");
        var aId = await Dwr.IdAsync(a);
        Assert.True((await a.EvaluateAsync("() => window.dwr.cameraState == null")).GetBoolean(), "alice's camera is still captured");

        // Carol's camera is refused by the browser: she joins with audio and reads why.
        var c = await rig.OpenAsync("prejoin-off", "carol", "", """
            const real = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
            navigator.mediaDevices.getUserMedia = (c) => c && c.video ? Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) : real(c);
            """);
        var cId = await Dwr.IdAsync(c);
        Assert.Contains("Camera access was denied", await c.TextAsync("#error"), StringComparison.Ordinal);

        var b = await rig.OpenAsync("prejoin-off", "bob");
        var bId = await Dwr.IdAsync(b);
        await Dwr.WaitForModeAsync(b, "sfu");
        // Bob hears both and sees neither; bob's own video reaches alice (the room works).
        await b.WaitForFunctionAsync("([a, c]) => window.dwr.stats().then(s => s[a]?.sfu?.audioPacketsReceived > 20 && s[c]?.sfu?.audioPacketsReceived > 20)",
            new object[] { aId, cId });
        await AssertVideoFlowsAsync(a, bId, "sfu");
        Assert.Equal(0, (await Dwr.StatsAsync(b, aId, "sfu"))?.VideoPacketsReceived ?? 0);
        Assert.Equal(0, (await Dwr.StatsAsync(b, cId, "sfu"))?.VideoPacketsReceived ?? 0);
        var sent = await a.EvaluateAsync("() => window.dwr.videoSent()");
        Assert.Equal(0, sent.GetProperty("sfu").GetInt64());
        await WaitCameraOffTileAsync(b, aId, off: true);
    }

    [Theory]
    [MemberData(nameof(MeetingRig.Engines), MemberType = typeof(MeetingRig))]
    public async Task Camera_off_ends_the_track_and_camera_on_brings_video_back_on_p2p_and_through_the_server(string engine)
    {
        await using var rig = await MeetingRig.StartAsync(engine);
        var a = await rig.OpenAsync("camera", "alice");
        var aId = await Dwr.IdAsync(a);
        var b = await rig.OpenAsync("camera", "bob");
        await Dwr.WaitForModeAsync(a, "p2p");
        await Dwr.WaitForModeAsync(b, "p2p");
        await AssertVideoFlowsAsync(b, aId, "p2p");

        foreach (var path in new[] { "p2p", "sfu" })
        {
            if (path == "sfu")
            {
                await rig.OpenAsync("camera", "carol");
                await Dwr.WaitForModeAsync(b, "sfu", 30_000);
                await AssertVideoFlowsAsync(b, aId, "sfu");
            }

            await a.ClickAsync("#btn-cam");
            await a.WaitForFunctionAsync("() => window.dwr.cameraState === null && window.dwr.lastCameraState === 'ended'");
            // The button follows once both connections dropped the track (the track itself ends at once).
            await a.WaitForFunctionAsync("() => document.getElementById('btn-cam').getAttribute('aria-pressed') === 'true'", null, 5_000);
            await AssertVideoStoppedAsync(b, aId, path);
            await WaitCameraOffTileAsync(b, aId, off: true);

            await a.ClickAsync("#btn-cam");
            await a.WaitForFunctionAsync("() => window.dwr.cameraState === 'live'");
            await AssertVideoFlowsAsync(b, aId, path);
            await WaitCameraOffTileAsync(b, aId, off: false);
        }
    }

    [Theory]
    [MemberData(nameof(MeetingRig.Engines), MemberType = typeof(MeetingRig))]
    public async Task Switching_devices_mid_call_keeps_media_flowing(string engine)
    {
        await using var rig = await MeetingRig.StartAsync(engine);
        var a = await rig.OpenAsync("devices", "alice");
        var aId = await Dwr.IdAsync(a);
        var b = await rig.OpenAsync("devices", "bob");
        await Dwr.WaitForModeAsync(b, "p2p");
        await AssertVideoFlowsAsync(b, aId, "p2p");

        // Settings (More menu): pick the camera and the microphone again: each is captured anew and replaces the old track.
        var before = (await a.EvaluateAsync("() => document.querySelector('.tile.local video').srcObject.getTracks().map(t => t.id).sort().join()")).GetString();
        await a.ClickAsync("#btn-more");
        await a.ClickAsync("#menu-settings");
        await a.WaitForFunctionAsync("() => document.getElementById('settings').open && document.getElementById('sel-camera').options.length > 0");
        foreach (var select in new[] { "#sel-camera", "#sel-mic" })
        {
            await a.EvaluateAsync("sel => { const s = document.querySelector(sel); s.value = s.options[s.options.length - 1].value; s.dispatchEvent(new Event('change')); }", select);
        }

        await a.WaitForFunctionAsync("old => { const ids = document.querySelector('.tile.local video').srcObject.getTracks().filter(t => t.readyState === 'live').map(t => t.id).sort(); return ids.length === 2 && ids.every(id => !old.includes(id)); }", before);
        await Dwr.AssertFlowingAsync(b, aId, "p2p", seconds: 1);
    }
}
