using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Stats;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Faults;

/// <summary>
/// Delay and reordering on one participant's link (issue #8 faults; no <c>tc netem</c> in this kernel, so a UDP relay
/// on loopback holds its packets 80 ± 40 ms each way): the server announces the relay's address, every participant's
/// media passes through it, and only the one bound to 127.0.0.3 is impaired. The call goes on: its audio and video
/// reach the others complete (reordered, not lost: SRTP's replay window, the NACK generator and the forwarder take
/// late packets), the others lose nothing between themselves, and the impaired participant still receives them. The
/// server does not mistake the reordering for loss: few NACKs, few retransmissions.
/// </summary>
[Collection("loopback-sockets")]
public class DelayReorderTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Eighty_ms_delay_with_forty_ms_jitter_reorders_one_link_and_nothing_is_lost()
    {
        int port = FreeUdpPort();
        var impairedAddress = IPAddress.Parse("127.0.0.3");
        await using var relay = new ImpairmentRelay(new IPEndPoint(IPAddress.Parse("127.0.0.2"), port), new IPEndPoint(IPAddress.Loopback, port),
            client => client.Address.Equals(impairedAddress), TimeSpan.FromMilliseconds(80), TimeSpan.FromMilliseconds(40), seed: 8);
        using var server = new FaultServer(("Sfu:Udp:Port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("Sfu:Udp:AnnouncedAddresses:0", "127.0.0.2"), ("Sfu:Udp:AutoDetectAddresses", "false"));
        SyntheticParticipant? impaired = null;
        var target = new ServerTarget(server.WebSocketUri, allowNetns: false)
        {
            BindAddressFor = p => p == impaired ? impairedAddress : IPAddress.Loopback,
        };
        var profile = new MediaProfile { VideoBitrate = 400_000, VideoFps = 15, KeyFrameInterval = TimeSpan.FromSeconds(2) };
        await using var meeting = new FaultMeeting(target, 3, profile);
        impaired = meeting.People[2];
        foreach (var s in meeting.People.SelectMany(p => p.Streams)) s.EnableRetransmissions();
        await meeting.JoinAllAsync();
        await meeting.WaitAllReceivingAsync(meeting.People, TimeSpan.FromSeconds(30));

        double nacksBefore = await server.MetricSumAsync("sfu_nacks_total");
        relay.Impair = true;
        await Task.Delay(TimeSpan.FromSeconds(8));
        foreach (var p in meeting.People) meeting.StopSending(p);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // what the relay still holds arrives
        relay.Impair = false;
        double nacks = await server.MetricSumAsync("sfu_nacks_total") - nacksBefore;

        var (a, b) = (meeting.People[0], meeting.People[1]);
        StreamReceiveStats Got(SyntheticParticipant receiver, SyntheticStream st) => receiver.ReceivedFrom(st.Publisher, st.Kind)!;
        output.WriteLine($"relay: held {relay.Held}, sent out of order {relay.Reordered}, overflowed {relay.Overflowed}; server NACKs (both ways) {nacks}; impaired publisher: NACKs received {impaired.NacksReceived}, retransmitted {impaired.Video!.Retransmissions}");
        foreach (var r in new[] { a, b })
        {
            foreach (var st in impaired.Streams)
            {
                var got = Got(r, st);
                output.WriteLine($"{r.Plan.Name} <- impaired {st.Kind}: expected {got.Expected(st.LastSentSequence)}, lost {got.Lost(st.LastSentSequence)}, reordered {got.Reordered}, duplicates {got.Duplicates}, latency p50 {got.Latency.Percentile(50) / 1000.0:F1} ms p99 {got.Latency.Percentile(99) / 1000.0:F1} ms");
            }
        }

        foreach (var st in a.Streams.Concat(b.Streams))
        {
            var got = Got(impaired, st);
            output.WriteLine($"impaired <- {st.Publisher} {st.Kind}: expected {got.Expected(st.LastSentSequence)}, lost {got.Lost(st.LastSentSequence)}, reordered {got.Reordered}");
        }

        // The relay really delayed and reordered this link.
        Assert.True(relay.Held > 500, $"the relay held only {relay.Held} packets");
        Assert.True(relay.Reordered > 20, $"the relay reordered only {relay.Reordered} packets");
        Assert.Equal(0, relay.Overflowed);
        // The impaired participant's media reaches the others complete, late and out of order.
        foreach (var r in new[] { a, b })
        {
            foreach (var st in impaired.Streams)
            {
                var got = Got(r, st);
                Assert.True(got.Lost(st.LastSentSequence) <= 2, $"{r.Plan.Name} lost {got.Lost(st.LastSentSequence)} {st.Kind} packets of the impaired participant");
                Assert.True(got.Latency.Percentile(50) > 40_000, $"{r.Plan.Name}: median latency {got.Latency.Percentile(50)} µs is not the relay's delay");
            }

            Assert.True(Got(r, impaired.Video!).Reordered > 0, $"{r.Plan.Name} saw no reordering: the server must forward packets as they come, not hold them");
        }

        // Reordering is not loss: the server's NACK generator learns how late originals come and waits that long
        // before NACKing, so the publisher resends little (before that: 102 NACKs and 158 of 387 video packets resent).
        Assert.True(impaired.Video!.Retransmissions < impaired.Video.PacketsSent / 10,
            $"the impaired publisher resent {impaired.Video.Retransmissions} of {impaired.Video.PacketsSent} video packets for reordering alone");

        // The others lose nothing between themselves, and the impaired participant still gets everything.
        foreach (var (receiver, sender) in new[] { (a, b), (b, a), (impaired, a), (impaired, b) })
        {
            foreach (var st in sender.Streams)
            {
                Assert.True(Got(receiver, st).Lost(st.LastSentSequence) <= 2, $"{receiver.Plan.Name} lost {Got(receiver, st).Lost(st.LastSentSequence)} {st.Kind} packets of {sender.Plan.Name}");
            }
        }
    }

    private static int FreeUdpPort()
    {
        // A port free on 127.0.0.1 (the server) is also free on 127.0.0.2 (the relay) unless something binds 0.0.0.0.
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
