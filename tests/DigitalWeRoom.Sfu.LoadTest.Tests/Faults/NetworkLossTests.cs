using System.Net;
using System.Text.RegularExpressions;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Faults;

/// <summary>
/// 10 % random loss (nftables <c>numgen random mod 10 == 0 drop</c>, both directions) on one participant's link,
/// which lives in a namespace the test makes: its media still reaches the others, repaired by NACK and
/// retransmission (RFC 4585), and the other participants' streams between themselves lose nothing.
/// </summary>
[Collection("loopback-sockets")]
public partial class NetworkLossTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TenPercentLossOnOneLink_CallContinues_ItsVideoRepairedByNack_OthersLoseNothing()
    {
        using var ns = new NetNamespace();

        using var server = new FaultServer(("Sfu:Udp:BindAddress", "0.0.0.0"), ("Sfu:Udp:AnnouncedAddresses:0", ns.HostAddress));
        SyntheticParticipant? lossy = null;
        var target = new ServerTarget(server.WebSocketUri, allowNetns: true)
        {
            BindAddressFor = p => IPAddress.Parse(p == lossy ? ns.InnerAddress : ns.HostAddress),
            ClientScope = (p, create) => p == lossy ? ns.Run(create) : create(),
        };
        var profile = new MediaProfile { VideoBitrate = 400_000, VideoFps = 15, KeyFrameInterval = TimeSpan.FromSeconds(2) };
        await using var meeting = new FaultMeeting(target, 3, profile);
        lossy = meeting.People[2];
        foreach (var s in meeting.People.SelectMany(p => p.Streams)) s.EnableRetransmissions();
        await meeting.JoinAllAsync();
        await meeting.WaitAllReceivingAsync(meeting.People, TimeSpan.FromSeconds(30));

        // The loss starts once the call runs (a handshake under loss is another test's business).
        ns.Exec("nft", "add table inet dwrloss");
        foreach (var (chain, hook) in new[] { ("up", "output"), ("down", "input") })
        {
            ns.Exec("nft", $"add chain inet dwrloss {chain} {{ type filter hook {hook} priority 0 ; }}");
            ns.Exec("nft", $"add rule inet dwrloss {chain} meta l4proto udp counter");
            ns.Exec("nft", $"add rule inet dwrloss {chain} meta l4proto udp numgen random mod 10 == 0 counter drop");
        }
        await Task.Delay(TimeSpan.FromSeconds(8));
        foreach (var p in meeting.People) meeting.StopSending(p);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the last NACK round trips

        var (a, b) = (meeting.People[0], meeting.People[1]);
        var (passedUp, droppedUp, passedDown, droppedDown) = Counters(ns.Exec("nft", "list table inet dwrloss"));
        double Loss(SyntheticParticipant receiver, SyntheticStream st) =>
            receiver.ReceivedFrom(st.Publisher, st.Kind) is { } got ? (double)got.Lost(st.LastSentSequence) / got.Expected(st.LastSentSequence) : 1;
        var lossyVideo = lossy.Video!;
        var lossyAudio = lossy.Audio!;
        output.WriteLine($"link drops: up {droppedUp}/{passedUp} ({100.0 * droppedUp / passedUp:0.0} %), down {droppedDown}/{passedDown} ({100.0 * droppedDown / passedDown:0.0} %)");
        output.WriteLine($"lossy participant: NACKs received {lossy.NacksReceived}, video packets sent {lossyVideo.PacketsSent}, retransmitted {lossyVideo.Retransmissions}");
        foreach (var r in new[] { a, b })
        {
            output.WriteLine($"{r.Plan.Name} <- lossy: video loss {100 * Loss(r, lossyVideo):0.00} % (after NACK), audio loss {100 * Loss(r, lossyAudio):0.00} % (no NACK for audio)");
        }
        var down = lossy.ReceivedFrom(a.Video!.Publisher, StreamKind.Video)!;
        output.WriteLine($"lossy <- {a.Plan.Name} video: first {down.First} highest {down.Highest} unique {down.Unique} last sent {a.Video!.LastSentSequence}");
        output.WriteLine($"lossy <- {a.Plan.Name}: video {100 * Loss(lossy, a.Video!):0.00} %, audio {100 * Loss(lossy, a.Audio!):0.00} % (the synthetic receiver sends no NACKs)");

        // The link really lost about a tenth in each direction.
        Assert.InRange((double)droppedUp / passedUp, 0.05, 0.15);
        Assert.InRange((double)droppedDown / passedDown, 0.05, 0.15);
        // The others' streams between themselves: nothing lost.
        foreach (var (receiver, sender) in new[] { (a, b), (b, a) })
        {
            foreach (var st in sender.Streams)
            {
                Assert.Equal(0, receiver.ReceivedFrom(st.Publisher, st.Kind)!.Lost(st.LastSentSequence));
            }
        }
        // The lossy participant's video reaches both, repaired: the server NACKed, it retransmitted, little is left missing.
        Assert.True(lossy.NacksReceived > 0 && lossyVideo.Retransmissions > 0, "no NACK/retransmission on the lossy uplink");
        foreach (var r in new[] { a, b })
        {
            Assert.True(Loss(r, lossyVideo) < 0.03, $"{r.Plan.Name} lost {Loss(r, lossyVideo):P1} of the lossy video after NACK");
            Assert.True(Loss(r, lossyAudio) < 0.2, $"{r.Plan.Name} lost {Loss(r, lossyAudio):P1} of the lossy audio");
        }
        // And the call continues for the lossy participant too: it receives the others, minus its downlink loss, which
        // nothing repairs here (the synthetic receiver sends no NACKs). Usually ≈ 10 %; once, at load average 30,
        // 40 % was seen, hence the loose bound.
        Assert.True(Loss(lossy, a.Video!) < 0.5 && Loss(lossy, b.Video!) < 0.5, $"lossy participant's downlink: {Loss(lossy, a.Video!):P1}, {Loss(lossy, b.Video!):P1}");
    }

    private static (long PassedUp, long DroppedUp, long PassedDown, long DroppedDown) Counters(string table)
    {
        // Each chain: first the counting rule (every UDP packet), then the dropping one.
        var counts = CounterPattern().Matches(table).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(4, counts.Length);
        return (counts[0], counts[1], counts[2], counts[3]);
    }

    [GeneratedRegex(@"counter packets (\d+)")]
    private static partial Regex CounterPattern();
}
