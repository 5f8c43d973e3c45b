using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Buffers;
using Microsoft.Extensions.Time.Testing;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>Pause/resume for bandwidth through the router (issue #4), and the retransmission budget.</summary>
public sealed class BandwidthPauseTests
{
    private sealed class Room : IMediaTransportListener
    {
        public readonly Router Router;
        public readonly FakeTimeProvider Time;
        public readonly PacketPool Pool;
        public readonly CapturingSender TransportSender = new();
        public readonly CapturingSender[] PublisherSenders = [new(), new(), new()];
        public readonly MediaTransport[] Publishers = new MediaTransport[3];
        public readonly Consumer[] Video = new Consumer[3];
        public readonly Consumer[] Audio = new Consumer[3];
        public readonly MediaTransport Subscriber;
        public readonly ushort[] VideoSeq = [10, 20, 30];
        public readonly ushort[] AudioSeq = [100, 200, 300];
        public int PauseEvents;

        public Room()
        {
            (Router, Time, Pool) = NewRouter(new RouterOptions { StartSendLoops = false, RtcpReportInterval = TimeSpan.Zero, KeyFrameRequestMinInterval = TimeSpan.Zero, KeyFrameCacheEnabled = false });
            Subscriber = Router.CreateTransport("sub", TransportSender, listener: this);
            for (int i = 0; i < 3; i++)
            {
                Publishers[i] = Router.CreateTransport($"p{i}", PublisherSenders[i]);
                var video = Router.CreateProducer(Publishers[i], new ProducerOptions($"v{i}", MediaKind.Video, VideoSsrc(i), [Vp8]));
                var audio = Router.CreateProducer(Publishers[i], new ProducerOptions($"a{i}", MediaKind.Audio, AudioSsrc(i), [Opus]));
                Video[i] = Router.CreateConsumer(Subscriber, video, new ConsumerOptions($"cv{i}", 0xB00u + (uint)i));
                Audio[i] = Router.CreateConsumer(Subscriber, audio, new ConsumerOptions($"ca{i}", 0xA00u + (uint)i));
            }
        }

        public void OnBandwidthPausesChanged(MediaTransport transport) => PauseEvents++;

        public void OnTransportStateChanged(WebRtcTransport transport, WebRtcTransportState state)
        {
        }

        public static uint VideoSsrc(int i) => 0x100u + (uint)i;

        public static uint AudioSsrc(int i) => 0x200u + (uint)i;

        /// <summary>One 20 ms step: a video packet (key frame if asked) and an audio packet from every publisher.</summary>
        public void Step(bool keyFrame = false)
        {
            for (int i = 0; i < 3; i++)
            {
                Deliver(Router, Publishers[i], Rtp(Pool, VideoSsrc(i), VideoSeq[i], VideoSeq[i] * 1800u, 96, Vp8Payload(keyFrame), marker: true));
                VideoSeq[i]++;
                Deliver(Router, Publishers[i], Rtp(Pool, AudioSsrc(i), AudioSeq[i], AudioSeq[i] * 960u, 111, [1, 2, 3, 4]));
                AudioSeq[i]++;
            }
            Time.Advance(TimeSpan.FromMilliseconds(20));
            DrainAll(Router);
        }

        public int Received(uint outputSsrc) => TransportSender.Rtp.Count(p => Ssrc(p) == outputSsrc);

        public List<ushort> SeqsOf(uint outputSsrc) => [.. TransportSender.Rtp.Where(p => Ssrc(p) == outputSsrc).Select(Seq)];

        public int PlisTo(int publisher) => PublisherSenders[publisher].Plis().Count(p => p.Media == VideoSsrc(publisher));
    }

    [Fact]
    public void Videos_that_do_not_fit_are_paused_audio_keeps_flowing_and_they_resume_one_by_one_with_a_key_frame()
    {
        var room = new Room();
        room.Video[2].IsPinned = true;
        room.Step(keyFrame: true);
        for (int n = 0; n < 5; n++) room.Step();
        Assert.All(room.Video, v => Assert.Equal(6, room.Received(v.OutputSsrc)));

        // Non-simulcast video is counted at 1 Mbit/s, audio at 50k: 1.2 Mbit/s carries audio and one video, the pinned one.
        room.Subscriber.Allocation.Allocate(1_200_000);
        Assert.Equal([true, true, false], room.Video.Select(v => v.IsBandwidthPaused));
        Assert.All(room.Audio, a => Assert.False(a.IsBandwidthPaused));
        Assert.Equal(1, room.PauseEvents);
        Assert.Equal(2, room.Router.Counters.BandwidthPauses);

        uint out0 = room.Video[0].OutputSsrc;
        ushort lastBeforePause = room.SeqsOf(out0)[^1];
        room.TransportSender.Rtp.Clear();
        for (int n = 0; n < 10; n++) room.Step();
        Assert.Equal(0, room.Received(room.Video[0].OutputSsrc));
        Assert.Equal(0, room.Received(room.Video[1].OutputSsrc));
        Assert.Equal(10, room.Received(room.Video[2].OutputSsrc));
        Assert.All(room.Audio, a => Assert.Equal(10, room.Received(a.OutputSsrc)));

        // The estimate comes back before the minimum pause: nothing resumes yet.
        room.Subscriber.Allocation.Allocate(5_000_000);
        Assert.Equal([true, true, false], room.Video.Select(v => v.IsBandwidthPaused));

        // After 3 s: the first (join order; same tile size, neither pinned nor speaking) resumes and asks for a key frame.
        for (int n = 0; n < 140; n++) room.Step();
        int plisBefore = room.PlisTo(0);
        room.Subscriber.Allocation.Allocate(5_000_000);
        Assert.Equal([false, true, false], room.Video.Select(v => v.IsBandwidthPaused));
        Assert.Equal(2, room.PauseEvents);
        DrainAll(room.Router);
        Assert.True(room.PlisTo(0) > plisBefore, "no key-frame request for the resumed video");

        // Delta frames are held back until the key frame; then the stream continues with no sequence gap.
        room.TransportSender.Rtp.Clear();
        room.Step();
        Assert.Equal(0, room.Received(out0));
        room.Step(keyFrame: true);
        room.Step();
        Assert.Equal([(ushort)(lastBeforePause + 1), (ushort)(lastBeforePause + 2)], room.SeqsOf(out0));

        // The second comes back one ResumeInterval later, not at the next allocation.
        room.Subscriber.Allocation.Allocate(5_000_000);
        Assert.True(room.Video[1].IsBandwidthPaused);
        for (int n = 0; n < 150; n++) room.Step();
        room.Subscriber.Allocation.Allocate(5_000_000);
        Assert.False(room.Video[1].IsBandwidthPaused);
        Assert.Equal(2, room.Router.Counters.BandwidthResumes);
        AssertNoLeakAfterClose(room.Router, room.Pool);
    }

    [Fact]
    public void Retransmissions_are_limited_to_a_share_of_the_estimate_and_the_skipped_ones_are_counted()
    {
        var (router, time, pool) = NewRouter(new RouterOptions { StartSendLoops = false, RtcpReportInterval = TimeSpan.Zero, RetransmissionMinInterval = TimeSpan.Zero });
        var sender = new CapturingSender();
        var pub = router.CreateTransport("pub", new CapturingSender());
        var sub = router.CreateTransport("sub", sender);
        var producer = router.CreateProducer(pub, new ProducerOptions("v", MediaKind.Video, 0x1234, [Vp8]));
        router.CreateConsumer(sub, producer, new ConsumerOptions("c", 0xA1));
        for (int n = 0; n < 10; n++)
        {
            Deliver(router, pub, Rtp(pool, 0x1234, (ushort)(1000 + n), (uint)n * 3000, 96, Vp8Payload(keyFrame: n == 0, size: 988), marker: true));
        }
        DrainAll(router);
        Assert.Equal(10, sender.Rtp.Count);

        // REMB 80 kbit/s: 15 % = 1,500 B/s, a bucket of at least one full packet: one 1,000-byte repair now.
        var remb = new byte[64];
        int rembLength = ReceiverEstimatedMaxBitrate.Write(remb, 0x55, 80_000, [0xA1u]);
        DeliverRtcp(router, sub, pool, remb.AsSpan(0, rembLength));
        var nack = new byte[256];
        ushort[] all = [.. Enumerable.Range(1000, 10).Select(s => (ushort)s)];
        int nackLength = TransportLayerNack.Write(nack, 0xBEEF, 0xA1, all);
        DeliverRtcp(router, sub, pool, nack.AsSpan(0, nackLength));
        DrainAll(router);
        Assert.Equal(1, router.Counters.RetransmittedPackets);
        Assert.Equal(9, router.Counters.RetransmissionsOverBudget);

        // Half a second refills 750 bytes (500 were left): one more.
        time.Advance(TimeSpan.FromMilliseconds(500));
        DeliverRtcp(router, sub, pool, nack.AsSpan(0, nackLength));
        DrainAll(router);
        Assert.Equal(2, router.Counters.RetransmittedPackets);
        Assert.Equal(12, sender.Rtp.Count);

        // A generous estimate (10 Mbit/s: 187 KB/s, bucket 47 KB) answers them all.
        rembLength = ReceiverEstimatedMaxBitrate.Write(remb, 0x55, 10_000_000, [0xA1u]);
        DeliverRtcp(router, sub, pool, remb.AsSpan(0, rembLength));
        time.Advance(TimeSpan.FromMilliseconds(200));
        DeliverRtcp(router, sub, pool, nack.AsSpan(0, nackLength));
        DrainAll(router);
        Assert.Equal(12, router.Counters.RetransmittedPackets);
        AssertNoLeakAfterClose(router, pool);
    }
}
