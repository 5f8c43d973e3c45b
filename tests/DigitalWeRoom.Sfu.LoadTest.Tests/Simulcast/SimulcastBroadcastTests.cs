using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Runner;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using DigitalWeRoom.Sfu.LoadTest.Tests.Faults;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Simulcast;

/// <summary>
/// The broadcast benchmark's scenario in small (loadtest/broadcast-bench.sh): one simulcast publisher (q/h/f) and
/// subscribers with small tiles against the real server (Kestrel in this process, 127.0.0.1), every subscriber's
/// socket read by the load generator's shared epoll receive pump instead of a thread per client.
/// </summary>
[Collection("loopback-sockets")]
public class SimulcastBroadcastTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OneSimulcastPublisherTo20SmallTiles_SharedReceivePump_AllOnQ_NoLoss()
    {
        using var host = new FaultServer(("Sfu:Limits:MaxParticipantsPerRoom", "64"));
        var plan = ScenarioPlan.Broadcast(1, 20, TimeSpan.FromSeconds(60));
        var options = new RunOptions
        {
            Media = new MediaProfile { VideoFps = 15, KeyFrameInterval = TimeSpan.FromSeconds(1), Simulcast = SimulcastLayer.Default },
            Warmup = TimeSpan.FromSeconds(3),
            MeasureFor = TimeSpan.FromSeconds(4),
            Drain = TimeSpan.FromSeconds(1),
            JoinConcurrency = 4,
            TileFor = (_, _) => (160, 90),
        };
        using var pump = new SharedReceivePump(1);
        RunResult result;
        LoadRunner runner;
        await using (var target = new ServerTarget(host.WebSocketUri, allowNetns: false) { ReceivePump = pump })
        {
            runner = new LoadRunner(plan, target, options);
            result = await runner.RunAsync();
        }

        var subscribers = runner.Participants.Where(p => !p.Plan.Publishes).ToList();
        var layers = subscribers.Select(s => (s.Plan.Name, Check: s.VideoCheckFrom(0))).ToList();
        output.WriteLine($"connected {result.Connected}, measured {result.MeasuredSeconds:0.0} s, lost {result.PacketsLost} of {result.PacketsExpected}, " +
            $"packets by layer {string.Join("/", result.VideoLayerPacketsReceived)}, switches {result.LayerSwitches}, pump datagrams {pump.Datagrams}, " +
            $"latency p50/p99 {result.LatencyMsP50:0.00}/{result.LatencyMsP99:0.00} ms, layers now {string.Join(" ", layers.Select(x => $"{x.Name}:{x.Check?.CurrentLayer}"))}");
        Assert.True(result.Failed == 0, string.Join("; ", result.Errors));
        Assert.Equal(21, result.Connected);
        Assert.Equal(0, result.MissingStreams);
        Assert.All(layers, x => Assert.True(x.Check?.CurrentLayer == 0, $"{x.Name} is on layer {x.Check?.CurrentLayer}, expected q"));
        Assert.All(subscribers, s => Assert.True(s.ReceivedFrom(0, StreamKind.Audio) is { Any: true }, $"{s.Plan.Name} got no audio"));
        Assert.True(result.PacketsLost == 0, $"lost {result.PacketsLost} of {result.PacketsExpected}, rcvbuf {result.UdpReceiveBufferErrors}");
        Assert.Equal(0, result.LayerSwitchesNotOnKeyFrame);
        Assert.Equal(0, result.LayerSwitchesWithSeqGap);
        // Every RTP packet the subscribers counted came through the pump (plus STUN, DTLS and RTCP).
        Assert.True(pump.Datagrams >= result.PacketsReceived, $"pump read {pump.Datagrams} datagrams, subscribers received {result.PacketsReceived} RTP");
        Assert.True(result.PacketsExpected > 2000, $"expected packets {result.PacketsExpected}");
        Assert.True(result.MeasuredSeconds < 30, $"the run ended by --measure, not by the 60 s bound ({result.MeasuredSeconds:0.0} s measured)");
    }
}
