using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Runner;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Targets;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Smoke;

/// <summary>
/// The CI smoke run: 6 participants in one meeting for 5 s against an SFU in this process (UdpEndpoint + WebRtcTransport +
/// Router, real ICE/DTLS/SRTP over 127.0.0.1), every one publishing audio and video and subscribing to all others.
/// </summary>
[Collection("loopback-sockets")]
public class InProcessSmokeTests
{
    [Fact]
    public async Task Meeting6For5Seconds_AllJoin_NoLoss_EverySubscriberGetsEveryPublisher()
    {
        var plan = ScenarioPlan.Meeting(6, TimeSpan.FromSeconds(5));
        var options = new RunOptions
        {
            Media = new MediaProfile { VideoBitrate = 500_000, VideoFps = 15, KeyFrameInterval = TimeSpan.FromSeconds(1) },
            Warmup = TimeSpan.FromMilliseconds(500),
            Drain = TimeSpan.FromSeconds(1),
        };
        await using var target = new InProcessTarget();
        var runner = new LoadRunner(plan, target, options);
        RunResult result = await runner.RunAsync();

        Assert.True(result.Failed == 0, string.Join("; ", result.Errors));
        Assert.Equal(6, result.Connected);
        var missing = runner.Participants.SelectMany(s => runner.Participants.Where(p => p != s).SelectMany(p => p.Streams)
            .Where(st => s.ReceivedFrom(st.Publisher, st.Kind) is not { Any: true }).Select(st => $"{s.Plan.Name}<p{st.Publisher}.{st.Kind}")).ToList();
        Assert.True(result.MissingStreams == 0, $"missing {string.Join(", ", missing)}; forwarded {result.ServerForwardedPackets}, drops {target.Drops}, sent {result.PacketsSent}");
        foreach (var subscriber in runner.Participants)
        {
            foreach (var publisher in runner.Participants.Where(p => p != subscriber))
            {
                foreach (var stream in publisher.Streams)
                {
                    var got = subscriber.ReceivedFrom(publisher.Plan.PublisherIndex, stream.Kind);
                    Assert.True(got is { Unique: > 10 }, $"{subscriber.Plan.Name} got {got?.Unique ?? 0} {stream.Kind} packets from {publisher.Plan.Name}");
                    Assert.Equal(stream.LastSentSequence, got!.Highest);
                    Assert.Equal(0, got.Lost(stream.LastSentSequence));
                    Assert.Equal(0, got.Duplicates);
                }
            }
        }
        Assert.Equal(0, result.PacketsLost);
        Assert.Equal(0, result.SendFailures);
        Assert.True(result.PacketsExpected > 1000);
        Assert.True(result.ServerForwardedPackets > 0);
        Assert.True(result.LatencyMsP50 > 0);
        // No drop but NotConnected: a publisher sends from its own connect, so on a loaded host a packet may reach a
        // subscriber whose DTLS handshake has not finished yet (CI 2026-12-07: "NotConnected 10"). Such drops fall
        // before the measured window; every stream was still received to its last sequence number without loss above.
        var drops = target.DropsByReason.Where(d => d.Key != nameof(DigitalWeRoom.Sfu.Protocols.DropReason.NotConnected)).ToList();
        Assert.True(drops.Count == 0, "server drops: " + string.Join(", ", drops.Select(d => $"{d.Key} {d.Value}")));
    }
}
