using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Feedback;

public sealed class PublisherFeedbackTests
{
    [Fact]
    public void Transport_cc_feedback_reports_publisher_arrivals_every_100ms()
    {
        var (router, time, pool) = NewRouter(Quiet);
        var sender = new CapturingSender();
        var publisher = router.CreateTransport("pub", sender, new RtpHeaderExtensionIds(TransportWideSequenceNumber: 3), rtcpSsrc: 0x77);
        router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 0x1111, [Opus]));
        // Sequence 10..19 arrive 2 ms apart, 14 missing, 16 and 15 swapped, 12 duplicated.
        ushort[] order = [10, 11, 12, 12, 13, 16, 15, 17, 18, 19];
        foreach (ushort twcc in order)
        {
            var ext = OneByteExtensions((3, [(byte)(twcc >> 8), (byte)twcc]));
            Deliver(router, publisher, Rtp(pool, 0x1111, twcc, twcc * 960u, 111, new byte[20], extensionBlock: ext));
            time.Advance(TimeSpan.FromMilliseconds(2));
        }
        time.Advance(TimeSpan.FromMilliseconds(100));
        publisher.Outbound.DrainAvailable();

        var feedback = sender.Rtcp.Single(p => p[1] == 205 && (p[0] & 0x1F) == 15);
        Assert.True(TransportWideFeedback.TryParse(feedback, out var fb, out _));
        Assert.Equal(0x77u, fb.SenderSsrc);
        Assert.Equal(10, fb.BaseSequenceNumber);
        var statuses = new TwccPacketStatus[fb.PacketStatusCount];
        fb.CopyPackets(statuses);
        Assert.Equal([true, true, true, true, false, true, true, true, true, true], statuses.Select(s => s.Received));
        Assert.Equal(0, publisher.TransportWideCc!.Pending);

        time.Advance(TimeSpan.FromMilliseconds(100)); // nothing new: no feedback
        publisher.Outbound.DrainAvailable();
        Assert.Single(sender.Rtcp, p => p[1] == 205 && (p[0] & 0x1F) == 15);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Audio_levels_drive_the_dominant_speaker()
    {
        var (router, time, pool) = NewRouter(Quiet);
        var ids = new RtpHeaderExtensionIds(AudioLevel: 1);
        var alice = router.CreateTransport("alice", new CapturingSender(), ids);
        var bob = router.CreateTransport("bob", new CapturingSender(), ids);
        var aliceAudio = router.CreateProducer(alice, new ProducerOptions("a1", MediaKind.Audio, 0xA, [Opus]));
        var bobAudio = router.CreateProducer(bob, new ProducerOptions("b1", MediaKind.Audio, 0xB, [Opus]));
        aliceAudio.Speaker = router.Speakers.With(d => d.AddSpeaker("alice"));
        bobAudio.Speaker = router.Speakers.With(d => d.AddSpeaker("bob"));
        var changes = new List<string?>();
        router.Speakers.Detector.Listener = new DigitalWeRoom.Sfu.Media.Tests.Speech.SpeakerChanges(changes.Add);
        ushort seq = 0;
        for (int i = 0; i < 150; i++) // 3 s of 20 ms packets: Bob loud, Alice silent
        {
            Deliver(router, alice, Rtp(pool, 0xA, seq, seq * 960u, 111, new byte[20], extensionBlock: OneByteExtensions((1, [127]))));
            Deliver(router, bob, Rtp(pool, 0xB, seq, seq * 960u, 111, new byte[20], extensionBlock: OneByteExtensions((1, [0x80 | 25]))));
            seq++;
            time.Advance(TimeSpan.FromMilliseconds(20));
        }
        Assert.Equal(["bob"], changes);
        Assert.Equal("bob", router.Speakers.ActiveSpeakerTransportId);
    }
}
