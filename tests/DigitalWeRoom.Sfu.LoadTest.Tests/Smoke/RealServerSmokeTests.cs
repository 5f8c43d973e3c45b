using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Runner;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using DigitalWeRoom.Sfu.LoadTest.Tests.Faults;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Smoke;

/// <summary>
/// The CI smoke run against the real server (DigitalWeRoom.Sfu.Server on Kestrel in this process, 127.0.0.1): 6
/// synthetic participants join through /ws signaling, answer the server's offers and connect over ICE/DTLS/SRTP.
/// </summary>
[Collection("loopback-sockets")]
public class RealServerSmokeTests
{
    [Fact]
    public async Task Meeting6For5Seconds_ThroughSignaling_AllJoin_NoLoss_EverySubscriberGetsEveryPublisher()
    {
        using var host = new FaultServer();
        var ws = host.WebSocketUri;
        var plan = ScenarioPlan.Meeting(6, TimeSpan.FromSeconds(5));
        var options = new RunOptions
        {
            Media = new MediaProfile { VideoBitrate = 500_000, VideoFps = 15, KeyFrameInterval = TimeSpan.FromSeconds(1) },
            Warmup = TimeSpan.FromMilliseconds(500),
            Drain = TimeSpan.FromSeconds(1),
        };
        await using var target = new ServerTarget(ws, allowNetns: false);
        var runner = new LoadRunner(plan, target, options);
        RunResult result = await runner.RunAsync();

        Assert.True(result.Failed == 0, string.Join("; ", result.Errors));
        Assert.Equal(6, result.Connected);
        var missing = runner.Participants.SelectMany(s => runner.Participants.Where(p => p != s).SelectMany(p => p.Streams)
            .Where(st => s.ReceivedFrom(st.Publisher, st.Kind) is not { Any: true }).Select(st => $"{s.Plan.Name}<p{st.Publisher}.{st.Kind}")).ToList();
        Assert.True(missing.Count == 0, "missing " + string.Join(", ", missing));
        Assert.Equal(0, result.MissingStreams);
        var lossy = runner.Participants.SelectMany(s => runner.Participants.Where(p => p != s).SelectMany(p => p.Streams)
            .Select(st => (s, st, got: s.ReceivedFrom(st.Publisher, st.Kind)!))
            .Where(x => x.got.Lost(x.st.LastSentSequence) > 0)
            .Select(x => $"{x.s.Plan.Name}<p{x.st.Publisher}.{x.st.Kind} lost {x.got.Lost(x.st.LastSentSequence)} first {x.got.First} highest {x.got.Highest} last sent {x.st.LastSentSequence}")).ToList();
        Assert.True(result.PacketsLost == 0, $"lost {result.PacketsLost} of {result.PacketsExpected}, rcvbuf {result.UdpReceiveBufferErrors}: " + string.Join("; ", lossy));
        Assert.True(result.PacketsExpected > 1000);
    }
}
