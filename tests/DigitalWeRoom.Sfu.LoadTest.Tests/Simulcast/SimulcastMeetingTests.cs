using System.Diagnostics;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Stats;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using DigitalWeRoom.Sfu.LoadTest.Tests.Faults;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Simulcast;

/// <summary>
/// Simulcast through the real server (Kestrel in this process, 127.0.0.1): synthetic publishers answer the
/// server's a=rid/a=simulcast offer as Chromium does and send q/h/f as three SSRCs bound by MID + rid; subscribers
/// send <c>video-size</c> and the receive check verifies layer, bitrate, sequence continuity and switches.
/// </summary>
[Collection("loopback-sockets")]
public class SimulcastMeetingTests(ITestOutputHelper output)
{
    private static readonly MediaProfile Profile = new()
    {
        VideoFps = 15,
        KeyFrameInterval = TimeSpan.FromSeconds(1),
        Simulcast = SimulcastLayer.Default,
    };

    /// <summary>
    /// Small enough for q both by the nominal sizes the server assumes before a layer's first key frame (q 160x120 of
    /// a 640x480 top) and by the real ones (q 320x180): a <c>video-size</c> that arrives before the publisher's first
    /// key frame is not re-evaluated when the real sizes become known, so a 320x180 tile can stay on h for good.
    /// </summary>
    private static readonly (int Width, int Height) Small = (160, 90);
    private static readonly (int Width, int Height) Big = (1280, 720);

    [Fact]
    public async Task Meeting6_SmallTilesGetQ_BigTileGetsF_BitrateOfTheLayer_ContinuousAndKeyFrameFirst()
    {
        using var host = new FaultServer();
        await using var meeting = new FaultMeeting(new ServerTarget(host.WebSocketUri, allowNetns: false), 6, Profile);
        var big = meeting.People[5];
        foreach (var p in meeting.People) p.TileFor = _ => p == big ? Big : Small;
        await meeting.JoinAllAsync();

        await Eventually.TrueAsync(() => Layout(meeting).All(x => x.Check?.CurrentLayer == x.Expected), TimeSpan.FromSeconds(40),
            "small tiles on q, the big tile on f: " + string.Join(", ", Layout(meeting).Where(x => x.Check?.CurrentLayer != x.Expected).Select(x => $"{x.Subscriber.Plan.Name}<p{x.Publisher} at {x.Check?.CurrentLayer}")));

        // Measure each subscriber's bytes per layer over a window.
        var before = Layout(meeting).Select(x => LayerBytes(x.Check!)).ToArray();
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(4));
        double seconds = clock.Elapsed.TotalSeconds;
        var after = Layout(meeting).Select(x => LayerBytes(x.Check!)).ToArray();

        var problems = new List<string>();
        int i = 0;
        foreach (var (subscriber, publisher, expected, check) in Layout(meeting))
        {
            var c = check!;
            double[] kbps = [.. Enumerable.Range(0, 3).Select(l => (after[i][l] - before[i][l]) * 8 / seconds / 1000)];
            i++;
            double nominal = Profile.Simulcast![expected].Bitrate / 1000.0;
            output.WriteLine($"{subscriber.Plan.Name} <- p{publisher}: layer {c.CurrentLayer}, kbit/s q/h/f {kbps[0]:0}/{kbps[1]:0}/{kbps[2]:0} (nominal {nominal:0}), packets {c.Packets}, gaps {c.SequenceGaps}, dup {c.Duplicates}, switches {string.Join(" ", c.Switches.Select(s => $"{s.From}->{s.To}{(s.AtKeyFrame ? "K" : "!K")}{(s.SequenceContinuous ? "" : "!seq")}{(s.PictureIdContinuous ? "" : "!pid")}"))}, pid jumps {c.PictureIdJumps}/{c.FramesWithPictureId}");
            // RTP bytes include the 12-byte header: a little above the payload bitrate; frames skipped under load go below.
            if (kbps[expected] < nominal * 0.65 || kbps[expected] > nominal * 1.35) problems.Add($"{subscriber.Plan.Name}<p{publisher}: {kbps[expected]:0} kbit/s on layer {expected}, nominal {nominal:0}");
            for (int other = 0; other < 3; other++)
            {
                if (other != expected && after[i - 1][other] != before[i - 1][other]) problems.Add($"{subscriber.Plan.Name}<p{publisher}: also got layer {other} in the window");
            }
            if (c.FirstWasKeyFrame != true) problems.Add($"{subscriber.Plan.Name}<p{publisher}: first packet not a key frame");
            if (c.Duplicates != 0 || c.SsrcChanges != 0) problems.Add($"{subscriber.Plan.Name}<p{publisher}: {c.Duplicates} duplicates, {c.SsrcChanges} SSRC changes");
            if (c.SequenceGaps > Math.Max(2, c.Packets / 200)) problems.Add($"{subscriber.Plan.Name}<p{publisher}: {c.SequenceGaps} sequence gaps in {c.Packets}");
            if (c.PictureIdJumps > 2) problems.Add($"{subscriber.Plan.Name}<p{publisher}: {c.PictureIdJumps} PictureID jumps");
            foreach (var s in c.Switches.Where(s => !s.AtKeyFrame || !s.SequenceContinuous)) problems.Add($"{subscriber.Plan.Name}<p{publisher}: switch {s.From}->{s.To} key frame {s.AtKeyFrame} seq continuous {s.SequenceContinuous}");
        }
        // libwebrtc stops MID/RID once an RTCP report block names the SSRC; the server's RRs must have done so by now
        // for every layer still sending (one dynacast switched off within its first second may never have been reported).
        var stillMidRid = meeting.People.SelectMany(p => p.VideoLayers).Where(v => v.SendsMidRid && v.Active && v.PacketsSent > 0).Select(v => $"p{v.Publisher}.{v.Rid}").ToList();
        output.WriteLine("MID/RID still sent by: " + string.Join(", ", stillMidRid));
        if (stillMidRid.Count > 0) problems.Add("layers never acknowledged by a receiver report: " + string.Join(", ", stillMidRid));
        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }

    [Fact]
    public async Task TileGrows_SwitchesQToF_OnKeyFrame_ContinuousSequence_AndBack()
    {
        using var host = new FaultServer();
        await using var meeting = new FaultMeeting(new ServerTarget(host.WebSocketUri, allowNetns: false), 3, Profile);
        foreach (var p in meeting.People) p.TileFor = _ => Small;
        await meeting.JoinAllAsync();
        var viewer = meeting.People[0];
        int watched = meeting.People[1].Plan.PublisherIndex;
        await Eventually.TrueAsync(() => Layout(meeting).All(x => x.Check?.CurrentLayer == 0), TimeSpan.FromSeconds(40), "everyone on q");
        VideoReceiveCheck check = viewer.VideoCheckFrom(watched)!;
        int switchesBefore = check.Switches.Count;

        viewer.TileFor = publisher => publisher == watched ? Big : Small;
        meeting.Target.ResendVideoSizes(viewer);
        await Eventually.TrueAsync(() => check.CurrentLayer == 2, TimeSpan.FromSeconds(20), "the grown tile gets f");
        viewer.TileFor = _ => Small;
        meeting.Target.ResendVideoSizes(viewer);
        await Eventually.TrueAsync(() => check.CurrentLayer == 0, TimeSpan.FromSeconds(20), "the shrunk tile gets q again");
        await Task.Delay(500);

        var switches = check.Switches.Skip(switchesBefore).ToList();
        output.WriteLine($"switches after the resize: {string.Join(" ", switches.Select(s => $"{s.From}->{s.To} key={s.AtKeyFrame} seq={s.SequenceContinuous} pid={s.PictureIdContinuous} @{s.AtPacket}"))}; gaps {check.SequenceGaps}, dup {check.Duplicates}, pid jumps {check.PictureIdJumps}");
        Assert.Contains(switches, s => s.To == 2);
        Assert.Equal(0, switches.Last().To);
        Assert.All(switches, s => Assert.True(s.AtKeyFrame && s.SequenceContinuous && s.PictureIdContinuous, $"switch {s.From}->{s.To}: key frame {s.AtKeyFrame}, seq continuous {s.SequenceContinuous}, PictureID continuous {s.PictureIdContinuous}"));
        Assert.Equal(0, check.Duplicates);
        Assert.Equal(0, check.SsrcChanges);
    }

    private static long[] LayerBytes(VideoReceiveCheck c) => [c.BytesOfLayer(0), c.BytesOfLayer(1), c.BytesOfLayer(2)];

    /// <summary>Every (subscriber, publisher) pair with the layer its tile should get.</summary>
    private static List<(SyntheticParticipant Subscriber, int Publisher, int Expected, VideoReceiveCheck? Check)> Layout(FaultMeeting meeting) =>
        [.. meeting.People.SelectMany(s => meeting.People.Where(p => p != s).Select(p =>
        {
            var (w, _) = s.TileFor!(p.Plan.PublisherIndex);
            return (s, p.Plan.PublisherIndex, w >= 1280 ? 2 : 0, s.VideoCheckFrom(p.Plan.PublisherIndex));
        }))];
}
