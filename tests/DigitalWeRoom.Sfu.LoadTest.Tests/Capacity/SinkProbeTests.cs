using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Runner;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using DigitalWeRoom.Sfu.LoadTest.Tests.Faults;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Capacity;

/// <summary>
/// Sinks cost the server what probes cost it: a livestream-shaped broadcast (one simulcast publisher, small tiles) to
/// two probes and two sinks through the real server (Kestrel in this process). The server's own per-subscriber
/// counters over a window longer than the ICE consent timeouts (the server's and the clients') must be the same for both kinds, while the sinks' sockets
/// are unread (the kernel drops what they are sent) and their consent checks and receiver reports keep them in.
/// </summary>
[Collection("loopback-sockets")]
public class SinkProbeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SinksAndProbes_ServerSendsEachTheSamePacketsAndBytes_SinksDropInTheKernel_ConsentAndReportsKeepThemIn()
    {
        using var host = new FaultServer(("Sfu:Udp:ConsentTimeout", "00:00:03"));
        var plan = ScenarioPlan.Broadcast(1, 4, TimeSpan.FromMinutes(2)).WithProbes(2);
        var profile = new MediaProfile { VideoFps = 15, KeyFrameInterval = TimeSpan.FromSeconds(1), Simulcast = SimulcastLayer.Default };
        await using var meeting = new FaultMeeting(new ServerTarget(host.WebSocketUri, allowNetns: false) { ConsentInterval = TimeSpan.FromSeconds(1), ConsentTimeout = TimeSpan.FromSeconds(3), RtcpInterval = TimeSpan.FromMilliseconds(500) }, plan, profile);
        var (target, people) = (meeting.Target, meeting.People);
        foreach (var p in people.Where(p => p.Plan.Subscribes)) p.TileFor = _ => (160, 90);
        var (probes, sinks) = (people.Where(p => p.Plan.Probe).ToArray(), people.Where(p => p.Plan.Sink).ToArray());
        Assert.Equal(2, probes.Length);
        Assert.Equal(2, sinks.Length);
        await meeting.JoinAllAsync();
        Assert.Equal(2, target.SinksDetached);
        await Eventually.TrueAsync(() => probes.All(p => p.VideoCheckFrom(0)?.CurrentLayer == 0), TimeSpan.FromSeconds(30), "the probes receive q");
        await Task.Delay(TimeSpan.FromSeconds(2)); // every subscriber settled on q (the sinks' video-size went out the same way)

        var router = host.Services.GetRequiredService<SfuMediaHost>().FindRoom("loadtest0")!.Router;
        long reportsBefore = router.Counters.ReceptionReports;
        var before = ServerForwardingCounters.Read(host, "loadtest0");
        long[] sinkRtpBefore = [.. sinks.Select(s => s.RtpReceived)];
        // Longer than both consent timeouts (3 s): a sink whose checks stopped would be dropped and sent nothing more, and
        // one that failed its own transport for want of answers it never reads would stop checking.
        await Task.Delay(TimeSpan.FromSeconds(6));
        var after = ServerForwardingCounters.Read(host, "loadtest0");
        long reportsAfter = router.Counters.ReceptionReports;

        var sent = people.Where(p => p.Plan.Subscribes).ToDictionary(p => p, p =>
        {
            string id = target.ParticipantIdOf(p)!;
            return after[id] - before[id];
        });
        var drops = ProcessSampler.UdpSocketDropsByPort()!;
        foreach (var (p, d) in sent)
        {
            output.WriteLine($"{p.Plan.Name} {(p.Plan.Sink ? "sink " : "probe")}: server sent {d.Packets} packets / {d.Octets} octets in the window; client RTP {p.RtpReceived}, socket drops {drops.GetValueOrDefault(p.LocalPort)}, reports {p.Reception.ReportsWritten} on {p.Reception.Count} SSRCs");
        }
        double probePackets = probes.Average(p => sent[p].Packets), probeOctets = probes.Average(p => sent[p].Octets);
        // q at 100 kbit/s, 15 fps (one packet a frame) + audio at 50 packets/s, for 6 s: about 390 packets.
        Assert.True(probePackets > 250, $"probes were sent {probePackets:0} packets in 6 s");
        foreach (var sink in sinks)
        {
            Assert.InRange(sent[sink].Packets, probePackets * 0.97, probePackets * 1.03);
            Assert.InRange(sent[sink].Octets, probeOctets * 0.97, probeOctets * 1.03);
            Assert.True(drops.GetValueOrDefault(sink.LocalPort) > sent[sink].Packets / 2, $"{sink.Plan.Name}: the kernel dropped {drops.GetValueOrDefault(sink.LocalPort)} of {sent[sink].Packets}");
            Assert.True(sink.Reception.ReportsWritten >= 10, $"{sink.Plan.Name} wrote {sink.Reception.ReportsWritten} receiver reports");
            Assert.Equal(2, sink.Reception.Count); // the audio and the camera SSRC the server's offer announced
        }
        Assert.Equal(sinkRtpBefore, sinks.Select(s => s.RtpReceived));
        Assert.All(probes, p => Assert.Equal(0, drops.GetValueOrDefault(p.LocalPort)));
        Assert.All(probes, p => Assert.Equal(0, p.VideoCheckFrom(0)!.SequenceGaps));
        // Four subscribers at 2 reports/s for 6 s (the publisher sends none): sinks' reports reached the server too.
        Assert.True(reportsAfter - reportsBefore >= 4 * 2 * 6 * 0.7 * 2, $"server read {reportsAfter - reportsBefore} report blocks in the window");
    }
}
