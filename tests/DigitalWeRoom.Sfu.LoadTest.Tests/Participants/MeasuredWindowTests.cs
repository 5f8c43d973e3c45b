using System.Diagnostics;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Stats;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Participants;

/// <summary>
/// Loss, latency and jitter come from the measured window only (issue 16: "60 s measured window"): packets sent
/// during the joins and the warm-up (JIT compilation, layers ramping up, cached key frames replayed with their old
/// send stamps) must not make the quality bar's p99.
/// </summary>
public class MeasuredWindowTests
{
    private static readonly long Second = Stopwatch.Frequency;
    private static readonly long Milli = Stopwatch.Frequency / 1000;

    [Fact]
    public void Audio_OnlyPacketsSentInTheWindow_CountForLossAndLatency()
    {
        var plan = ScenarioPlan.Meeting(2, TimeSpan.FromSeconds(5));
        var a = new SyntheticParticipant(plan.Participants[0], new MediaProfile(), 2);
        var b = new SyntheticParticipant(plan.Participants[1], new MediaProfile(), 2);
        var before = new CapturingSink();
        var after = new CapturingSink();
        a.Audio!.Start(0);
        for (long t = 0; t < Second / 5; t += Second / 100) a.Audio.SendDue(t, before);
        long from = Stopwatch.GetTimestamp();
        for (long t = Second / 5; t < Second / 2; t += Second / 100) a.Audio.SendDue(t, after);
        Assert.Equal(10, before.Packets.Count);
        Assert.Equal(15, after.Packets.Count);

        // The warm-up's packets arrive very late (a stalled start), every one of them.
        foreach (var p in before.Packets) b.OnRtp(p, Stamp(p) + (300 * Milli));
        b.StartMeasuring(from);
        Assert.False(b.InWindow);
        Assert.Null(b.ReceivedFrom(0, StreamKind.Audio)); // nothing of the window yet: no figures from before it
        b.OnRtp(before.Packets[^1], Stamp(before.Packets[^1]) + (400 * Milli)); // still in flight when the window began
        foreach (var p in after.Packets.Take(after.Packets.Count - 1)) b.OnRtp(p, Stamp(p) + Milli);

        var stats = b.ReceivedFrom(0, StreamKind.Audio)!;
        Assert.True(b.InWindow);
        Assert.Equal(14, stats.Unique);
        Assert.Equal(14, stats.Latency.Count);
        Assert.Equal(1000, stats.Latency.Max);
        Assert.Equal(1, stats.Lost(a.Audio.LastSentSequence)); // the window's last packet, never delivered
        Assert.Equal(25, b.RunLatency.Count); // the whole run's figure keeps them all
        Assert.Equal(400_000, b.RunLatency.Max);
    }

    [Fact]
    public void SimulcastVideo_WindowCountsAndLatency_RestartWhileTheSwitchChecksCarryOn()
    {
        var profile = new MediaProfile { Simulcast = SimulcastLayer.Default };
        var plan = ScenarioPlan.Meeting(2, TimeSpan.FromSeconds(5));
        var a = new SyntheticParticipant(plan.Participants[0], profile, 2);
        var b = new SyntheticParticipant(plan.Participants[1], profile, 2);
        var q = a.VideoLayers[0];
        var before = new CapturingSink();
        var after = new CapturingSink();
        q.Start(0);
        for (long t = 0; t < Second / 3; t += Second / 100) q.SendDue(t, before);
        long from = Stopwatch.GetTimestamp();
        for (long t = Second / 3; t < 2 * Second / 3; t += Second / 100) q.SendDue(t, after);

        foreach (var p in before.Packets) b.OnRtp(p, Stamp(p) + (500 * Milli));
        b.StartMeasuring(from);
        Assert.Null(b.VideoCheckFrom(0));
        foreach (var p in after.Packets.Where((_, i) => i != 2)) b.OnRtp(p, Stamp(p) + (2 * Milli));

        var check = b.VideoCheckFrom(0)!;
        Assert.Equal(before.Packets.Count + after.Packets.Count - 1, check.Packets); // the whole run, for the checks
        Assert.Equal(after.Packets.Count - 1, check.WindowPackets);
        Assert.Equal(1, check.WindowSequenceGaps);
        Assert.Equal(after.Packets.Count - 1, check.Latency.Count);
        Assert.Equal(2000, check.Latency.Max);
        Assert.True(check.FirstWasKeyFrame);
    }

    [Fact]
    public void LateLog_KeepsPacketsFromTheThreshold_WithLayerAndPositionInFrame_Bounded()
    {
        var profile = new MediaProfile { Simulcast = SimulcastLayer.Default };
        var plan = ScenarioPlan.Meeting(2, TimeSpan.FromSeconds(5));
        var a = new SyntheticParticipant(plan.Participants[0], profile, 2);
        var log = new LatePacketLog(thresholdMicros: 5000, capacity: 8);
        var b = new SyntheticParticipant(plan.Participants[1], profile, 2) { LateLog = log };
        var f = a.VideoLayers[2]; // 1.5 Mbit/s at 30 fps: 5 packets a frame
        var sink = new CapturingSink();
        f.Start(0);
        f.SendDue(0, sink);
        Assert.Equal(5, sink.Packets.Count);
        for (int i = 0; i < 5; i++) b.OnRtp(sink.Packets[i], Stamp(sink.Packets[i]) + ((i < 3 ? 1 : 6) * Milli));

        Assert.Equal(2, log.Count);
        Assert.Equal([(2, 3, 6000L), (2, 4, 6000L)], log.Entries.Select(e => (e.Layer, e.Position, e.LatencyMicros)));
        Assert.All(log.Entries, e => Assert.Equal(StreamKind.Video, e.Kind));

        for (int i = 0; i < 10; i++) log.Record(new LatePacketLog.Entry(0, 9000, 1, 0, StreamKind.Audio, -1, -1, false, i));
        Assert.Equal(8, log.Count);
        Assert.Equal(4, log.Overflow);
        var csv = new StringWriter();
        log.WriteCsv(csv);
        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 1 + 8 + 1, lines.Length); // threshold comment, header, entries, overflow note
        Assert.StartsWith("# late >= 5 ms", lines[0]);
    }

    [Fact]
    public void LateLog_Csv_SaysHowLateTheKernelGotEachPacket_EmptyWhenUnknown()
    {
        // Late at the kernel: the server held it; on time there but late at decrypt: this process read it late.
        var log = new LatePacketLog(thresholdMicros: 20_000);
        Assert.True(log.Record(new LatePacketLog.Entry(0, 31_000, 3, 7, StreamKind.Video, 1, 0, true, 9, KernelMicros: 30_500, Thread: 17)));
        Assert.True(log.Record(new LatePacketLog.Entry(0, 27_000, 4, 7, StreamKind.Audio, -1, -1, false, 9, KernelMicros: 150)));
        Assert.True(log.Record(new LatePacketLog.Entry(0, 25_000, 5, 7, StreamKind.Audio, -1, -1, false, 9)));
        var csv = new StringWriter();
        log.WriteCsv(csv);
        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.EndsWith(",kernel_ms,thread", lines[1]);
        Assert.EndsWith(",17", lines[2]);
        Assert.Equal(["30.500", "0.150", ""], lines[2..].Select(l => l.Split(',')[^2]));
    }

    private static long Stamp(byte[] packet)
    {
        Assert.True(SyntheticStamp.TryRead(packet, out var stamp));
        return stamp.SendTicks;
    }
}
