using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using DigitalWeRoom.Sfu.Transport.Buffers;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

public class NackRtxTests
{
    private const uint PubSsrc = 0x1234;
    private const uint PubRtxSsrc = 0x1235;
    private const uint OutSsrc = 0xA1;
    private const uint OutRtxSsrc = 0xA2;

    private static byte[] Nack(uint mediaSsrc, params ushort[] lost)
    {
        var buffer = new byte[256];
        int length = TransportLayerNack.Write(buffer, 0xBEEF, mediaSsrc, lost);
        return buffer[..length];
    }

    private static List<ushort> NackedSeqs(CapturingSender sender, uint mediaSsrc)
    {
        var seqs = new List<ushort>();
        foreach (var p in sender.Rtcp)
        {
            if (p[1] != 205 || (p[0] & 0x1F) != 1) continue;
            Assert.True(TransportLayerNack.TryParse(p, out var nack, out _));
            Assert.Equal(mediaSsrc, nack.MediaSsrc);
            var lost = new ushort[nack.LostCount];
            seqs.AddRange(lost[..nack.CopyLostSequenceNumbers(lost)]);
        }
        return seqs;
    }

    private static (Router, Microsoft.Extensions.Time.Testing.FakeTimeProvider, PacketPool, MediaTransport Pub, MediaTransport Sub, CapturingSender PubSender, CapturingSender SubSender, Producer) Setup(bool rtx, RouterOptions? options = null)
    {
        var (router, time, pool) = NewRouter(options ?? Quiet);
        var pubSender = new CapturingSender();
        var subSender = new CapturingSender();
        var pub = router.CreateTransport("pub", pubSender, rtcpSsrc: 0x5EED);
        var sub = router.CreateTransport("sub", subSender);
        var producer = router.CreateProducer(pub, new ProducerOptions("v", MediaKind.Video, PubSsrc, [Vp8]) { RtxSsrc = PubRtxSsrc, RtxPayloadTypes = [(97, 96)] });
        router.CreateConsumer(sub, producer, rtx
            ? new ConsumerOptions("c", OutSsrc) { RtxSsrc = OutRtxSsrc, RtxPayloadTypes = [(96, 107)] }
            : new ConsumerOptions("c", OutSsrc));
        return (router, time, pool, pub, sub, pubSender, subSender, producer);
    }

    private static void SendFrames(Router router, MediaTransport pub, PacketPool pool, ushort first, int count)
    {
        for (int n = 0; n < count; n++)
        {
            ushort seq = (ushort)(first + n);
            Deliver(router, pub, Rtp(pool, PubSsrc, seq, 90_000u + (uint)n * 3000, 96, Vp8Payload(keyFrame: n == 0, size: 40 + n), marker: true));
        }
    }

    [Fact]
    public void Nack_WithRtx_SendsRfc4588PacketsWithOsnRtxPtRtxSsrcAndOwnSequence()
    {
        var (router, time, pool, pub, sub, _, subSender, _) = Setup(rtx: true);
        SendFrames(router, pub, pool, 65530, 10); // seq 65530 .. 3: wraps
        DrainAll(router);
        Assert.Equal(10, subSender.Rtp.Count);
        var originals = subSender.Rtp.ToList();

        DeliverRtcp(router, sub, pool, Nack(OutSsrc, 65535, 1));
        DrainAll(router);

        Assert.Equal(12, subSender.Rtp.Count);
        var rtx1 = subSender.Rtp[10];
        var rtx2 = subSender.Rtp[11];
        foreach (var (rtx, original, osn) in new[] { (rtx1, originals[5], (ushort)65535), (rtx2, originals[7], (ushort)1) })
        {
            Assert.Equal(0x80, rtx[0]);
            Assert.Equal(0x80 | 107, rtx[1]); // marker kept, RTX payload type
            Assert.Equal(OutRtxSsrc, Ssrc(rtx));
            Assert.Equal(Timestamp(original), Timestamp(rtx));
            Assert.Equal(osn, BinaryPrimitives.ReadUInt16BigEndian(rtx.AsSpan(12)));
            Assert.Equal(original.AsSpan(12).ToArray(), rtx.AsSpan(14).ToArray());
            Assert.Equal(original.Length + 2, rtx.Length);
        }
        Assert.Equal((ushort)(Seq(rtx1) + 1), Seq(rtx2));
        Assert.Equal(1, router.Counters.NacksReceived);
        Assert.Equal(2, router.Counters.RetransmittedPackets);

        // Same NACK again at once: rate-limited; 20 ms later: answered, RTX sequence goes on.
        DeliverRtcp(router, sub, pool, Nack(OutSsrc, 65535));
        DrainAll(router);
        Assert.Equal(12, subSender.Rtp.Count);
        Assert.Equal(1, router.Counters.RetransmissionsMissed);
        time.Advance(TimeSpan.FromMilliseconds(20));
        DeliverRtcp(router, sub, pool, Nack(OutSsrc, 65535));
        DrainAll(router);
        Assert.Equal(13, subSender.Rtp.Count);
        Assert.Equal((ushort)(Seq(rtx2) + 1), Seq(subSender.Rtp[12]));
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void Nack_WithoutRtx_ResendsTheOriginalPacket()
    {
        var (router, _, pool, pub, sub, _, subSender, _) = Setup(rtx: false);
        SendFrames(router, pub, pool, 100, 5);
        DrainAll(router);

        DeliverRtcp(router, sub, pool, Nack(OutSsrc, 102, 104, 200)); // 200 was never sent
        DrainAll(router);

        Assert.Equal(7, subSender.Rtp.Count);
        Assert.Equal(subSender.Rtp[2], subSender.Rtp[5]);
        Assert.Equal(subSender.Rtp[4], subSender.Rtp[6]);
        Assert.Equal(2, router.Counters.RetransmittedPackets);
        Assert.Equal(1, router.Counters.RetransmissionsMissed);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void Nack_ForAnotherSsrc_OrAfterMaxAge_IsNotAnswered()
    {
        var (router, time, pool, pub, sub, _, subSender, _) = Setup(rtx: true);
        SendFrames(router, pub, pool, 100, 3);
        DrainAll(router);
        DeliverRtcp(router, sub, pool, Nack(0x999, 101));
        time.Advance(TimeSpan.FromMilliseconds(1100));
        DeliverRtcp(router, sub, pool, Nack(OutSsrc, 101));
        DrainAll(router);

        Assert.Equal(3, subSender.Rtp.Count);
        Assert.Equal(2, router.Counters.NacksReceived);
        Assert.Equal(0, router.Counters.RetransmittedPackets);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void PublisherGap_IsNacked_RetriedByRtt_AndRepairedThroughRtx()
    {
        var (router, time, pool, pub, _, pubSender, subSender, producer) = Setup(rtx: false, Quiet);
        Deliver(router, pub, Rtp(pool, PubSsrc, 65534, 0, 96, Vp8Payload(true), marker: true));
        Deliver(router, pub, Rtp(pool, PubSsrc, 65535, 3000, 96, Vp8Payload(false), marker: true));
        Deliver(router, pub, Rtp(pool, PubSsrc, 2, 9000, 96, Vp8Payload(false), marker: true)); // 0 and 1 lost
        DrainAll(router);
        Assert.Equal(new ushort[] { 0, 1 }, NackedSeqs(pubSender, PubSsrc));
        Assert.Equal(1, router.Counters.NacksSent);
        Assert.All(pubSender.Rtcp.Where(p => p[1] == 205), p => Assert.Equal(0x5EEDu, BinaryPrimitives.ReadUInt32BigEndian(p.AsSpan(4))));

        // Nothing more before an RTT (default 100 ms); the timer retries after it.
        time.Advance(TimeSpan.FromMilliseconds(80));
        DrainAll(router);
        Assert.Equal(1, router.Counters.NacksSent);
        time.Advance(TimeSpan.FromMilliseconds(40));
        DrainAll(router);
        Assert.Equal(new ushort[] { 0, 1, 0, 1 }, NackedSeqs(pubSender, PubSsrc));

        // RTX repair of 0 (RFC 4588: OSN, then the original payload) reaches the subscriber as seq 0 of the stream.
        var repairedPayload = Vp8Payload(false, size: 33);
        var rtxPayload = new byte[2 + repairedPayload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(rtxPayload, 0);
        repairedPayload.CopyTo(rtxPayload, 2);
        Deliver(router, pub, Rtp(pool, PubRtxSsrc, 7777, 6000 - 3000, 97, rtxPayload, marker: true));
        // A probe repeating a packet nobody misses is not forwarded.
        var dupPayload = new byte[2 + 10];
        BinaryPrimitives.WriteUInt16BigEndian(dupPayload, 65535);
        Deliver(router, pub, Rtp(pool, PubRtxSsrc, 7778, 3000, 97, dupPayload));
        DrainAll(router);

        var last = subSender.Rtp[^1];
        Assert.Equal(4, subSender.Rtp.Count);
        Assert.Equal((ushort)0, Seq(last));
        Assert.Equal(OutSsrc, Ssrc(last));
        Assert.Equal(96, last[1] & 0x7F);
        Assert.Equal(repairedPayload, last.AsSpan(12).ToArray());
        Assert.Equal(1, router.Counters.RtxPacketsRepaired);
        Assert.Equal(1, producer.RtxPacketsIgnored);
        Assert.False(producer.Nack!.IsMissing(0));
        Assert.True(producer.Nack.IsMissing(1));

        // Retries stop after the limit (10 tries).
        for (int i = 0; i < 20; i++) time.Advance(TimeSpan.FromMilliseconds(100));
        DrainAll(router);
        Assert.Equal(10, NackedSeqs(pubSender, PubSsrc).Count(s => s == 1));
        Assert.Equal(0, producer.Nack.MissingCount);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void HugePublisherGap_AsksForAKeyFrameInsteadOfNacking()
    {
        var (router, time, pool, pub, _, pubSender, _, _) = Setup(rtx: false);
        DrainAll(router);
        time.Advance(TimeSpan.FromSeconds(1)); // past the PLI throttle of the new consumer
        int plis = pubSender.Plis().Count;
        Deliver(router, pub, Rtp(pool, PubSsrc, 10, 0, 96, Vp8Payload(true), marker: true));
        Deliver(router, pub, Rtp(pool, PubSsrc, 2000, 3000, 96, Vp8Payload(false), marker: true));
        DrainAll(router);

        Assert.Empty(NackedSeqs(pubSender, PubSsrc));
        Assert.Equal(plis + 1, pubSender.Plis().Count);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void ReceiverReport_FromThePublisherPeer_SetsTheNackRtt()
    {
        var (router, time, pool, pub, _, _, _, producer) = Setup(rtx: false);
        // The peer reports on one of our SRs: LSR = our NTP 250 ms ago, DLSR = 200 ms → RTT 50 ms.
        uint nowCompact = (uint)(Media.Streams.MediaClock.ToNtp(time.GetUtcNow()) >> 16);
        var block = new ReceptionReport(OutSsrc, 0, 0, 1, 0, nowCompact - (250u * 65536 / 1000), 200u * 65536 / 1000);
        var rr = new byte[64];
        int length = ReceiverReport.Write(rr, 0xBEEF, [block]);
        DeliverRtcp(router, pub, pool, rr.AsSpan(0, length));

        Assert.InRange(producer.Nack!.Rtt.TotalMilliseconds, 49, 51);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void NackAndRtxPaths_AllocateNothingPerPacket()
    {
        var (router, time, pool) = NewRouter(Quiet);
        var pub = router.CreateTransport("pub", new CountingSender());
        var subSender = new CountingSender();
        var sub = router.CreateTransport("sub", subSender);
        var producer = router.CreateProducer(pub, new ProducerOptions("v", MediaKind.Video, PubSsrc, [Vp8]) { RtxSsrc = PubRtxSsrc, RtxPayloadTypes = [(97, 96)] });
        router.CreateConsumer(sub, producer, new ConsumerOptions("c", OutSsrc) { RtxSsrc = OutRtxSsrc, RtxPayloadTypes = [(96, 107)] });
        var payload = Vp8Payload(false, 800);
        var key = Vp8Payload(true, 800);
        var rtxPayload = new byte[802];
        payload.CopyTo(rtxPayload, 2);
        var nackBytes = new byte[16];
        ushort seq = 0;
        ushort rtxSeq = 0;
        var lost = new ushort[2];

        void Run(int packets)
        {
            for (int n = 0; n < packets; n++)
            {
                seq++;
                if (n % 20 != 5) // every 20th is lost, repaired by RTX 3 packets later
                {
                    Deliver(router, pub, Rtp(pool, PubSsrc, seq, seq * 3000u, 96, n % 200 == 0 ? key : payload, marker: true));
                }
                if (n % 20 == 8)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(rtxPayload, (ushort)(seq - 3));
                    Deliver(router, pub, Rtp(pool, PubRtxSsrc, rtxSeq++, (uint)(seq - 3) * 3000u, 97, rtxPayload, marker: true));
                }
                if (n % 10 == 0)
                {
                    lost[0] = (ushort)(seq - 4);
                    lost[1] = (ushort)(seq - 2);
                    int length = TransportLayerNack.Write(nackBytes, 0xBEEF, OutSsrc, lost);
                    DeliverRtcp(router, sub, pool, nackBytes.AsSpan(0, length));
                }
                DrainAll(router);
                time.Advance(TimeSpan.FromTicks(333_333));
            }
        }

        Run(5_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        long retransmittedBefore = router.Counters.RetransmittedPackets;
        long repairedBefore = router.Counters.RtxPacketsRepaired;
        long nacksSentBefore = router.Counters.NacksSent;
        Run(10_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(2_000, router.Counters.RetransmittedPackets - retransmittedBefore);
        Assert.Equal(500, router.Counters.RtxPacketsRepaired - repairedBefore);
        Assert.True(router.Counters.NacksSent - nacksSentBefore >= 500);
        AssertNoLeakAfterClose(router, pool);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WithoutNegotiatedNack_SentPacketsAreNotKept_AndANackIsNotAnswered(bool nack)
    {
        // A subscriber that did not negotiate nack (our Opus offer) cannot ask for a retransmission: keeping every
        // packet for it (a reference each, for a second) is per-subscriber, per-packet work for nothing.
        var (router, _, pool) = NewRouter(Quiet);
        var pub = router.CreateTransport("pub", new CapturingSender());
        var producer = router.CreateProducer(pub, new ProducerOptions("mic", MediaKind.Audio, 0x77, [Opus]));
        var subSender = new CapturingSender();
        var sub = router.CreateTransport("sub", subSender);
        var consumer = router.CreateConsumer(sub, producer, new ConsumerOptions("c", 0xA1) { Nack = nack });
        for (ushort seq = 10; seq < 15; seq++) Deliver(router, pub, Rtp(pool, 0x77, seq, 960u * seq, 111, [1, 2, 3]));
        DrainAll(router);

        Assert.Equal(5, subSender.Rtp.Count);
        Assert.Equal(nack, consumer.Stream.Retransmissions is not null);
        Assert.Equal(nack ? 5 : 0, pool.Outstanding); // kept for retransmission, else all back in the pool
        DeliverRtcp(router, sub, pool, Nack(0xA1, 12));
        DrainAll(router);
        Assert.Equal(nack ? 6 : 5, subSender.Rtp.Count);
        Assert.Equal(nack ? 1 : 0, router.Counters.RetransmittedPackets);
        AssertNoLeakAfterClose(router, pool);
    }
}

public class OpusRedPassThroughTests
{
    [Fact]
    public void RedForOpus_IsForwardedUnchanged_WithItsPayloadTypeMapped_AndNotNacked()
    {
        var (router, _, pool) = NewRouter(Quiet);
        var pubSender = new CapturingSender();
        var pub = router.CreateTransport("pub", pubSender);
        // RFC 2198 RED negotiated next to Opus: both are codecs of the producer.
        var producer = router.CreateProducer(pub, new ProducerOptions("mic", MediaKind.Audio, 0x77, [Opus, new RtpCodec(63, "audio/red", 48000)]));
        var subSender = new CapturingSender();
        router.CreateConsumer(router.CreateTransport("sub", subSender), producer, new ConsumerOptions("c", 0xA1) { PayloadTypeMap = [(63, 100)] });

        // RED block header (F=1, PT 111, offset, length) + primary header (F=0, PT 111), then the data.
        byte[] red = [0xEF, 0x03, 0xC0, 0x05, 0x6F, 1, 2, 3, 4, 5, 9, 9, 9];
        Deliver(router, pub, Rtp(pool, 0x77, 10, 960, 63, red));
        Deliver(router, pub, Rtp(pool, 0x77, 13, 3840, 63, red)); // 11, 12 lost: audio is not NACKed by default
        DrainAll(router);

        Assert.Equal(2, subSender.Rtp.Count);
        Assert.All(subSender.Rtp, p => Assert.Equal(100, p[1] & 0x7F));
        Assert.All(subSender.Rtp, p => Assert.Equal(red, p.AsSpan(12).ToArray()));
        Assert.Null(producer.Nack);
        Assert.Equal(0, router.Counters.NacksSent);
        AssertNoLeakAfterClose(router, pool);
    }
}
