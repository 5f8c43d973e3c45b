using System.Buffers.Binary;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Media.Streams;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Feedback;

public class RtcpTerminationTests
{
    private static byte[] ReceiverReportEmpty(uint ssrc)
    {
        var p = new byte[8];
        p[0] = 0x80;
        p[1] = 201;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), 1);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(4), ssrc);
        return p;
    }

    [Fact]
    public void NewVideoConsumer_SendsOnePliToPublisher_AudioConsumerNone()
    {
        var (router, _, pool) = NewRouter();
        var pubSender = new CapturingSender();
        var publisher = router.CreateTransport("pub", pubSender, rtcpSsrc: 0x5EED);
        var video = router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, 0x1234, [Vp8]));
        var audio = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 0x4321, [Opus]));
        var sub = router.CreateTransport("sub", new CapturingSender());
        router.CreateConsumer(sub, audio, new ConsumerOptions("ca", 1));
        DrainAll(router);
        Assert.Empty(pubSender.Plis());

        router.CreateConsumer(sub, video, new ConsumerOptions("cv", 2));
        DrainAll(router);
        Assert.Equal([(0x5EEDu, 0x1234u)], pubSender.Plis());
        Assert.Equal(1, router.Counters.KeyFrameRequestsSent);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void PliAndFirFromSubscriber_RelayedToPublisherAsPli_Throttled()
    {
        var (router, time, pool) = NewRouter();
        var pubSender = new CapturingSender();
        var publisher = router.CreateTransport("pub", pubSender, rtcpSsrc: 0xAAAA);
        var video = router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, 0x1234, [Vp8]));
        var sub = router.CreateTransport("sub", new CapturingSender());
        router.CreateConsumer(sub, video, new ConsumerOptions("cv", 0x9999)); // PLI #1 at t=0
        DrainAll(router);

        time.Advance(TimeSpan.FromMilliseconds(600));
        DeliverRtcp(router, sub, pool, [.. ReceiverReportEmpty(1), .. Pli(1, 0x9999)]); // PLI #2
        DeliverRtcp(router, sub, pool, Pli(1, 0x9999)); // throttled (pending)
        DeliverRtcp(router, sub, pool, Fir(1, 0x9999)); // throttled (pending)
        DeliverRtcp(router, sub, pool, Pli(1, 0x7777)); // not one of this subscriber's streams: ignored
        DrainAll(router);
        Assert.Equal(2, pubSender.Plis().Count);
        Assert.Equal(2, router.Counters.KeyFrameRequestsThrottled);

        time.Advance(TimeSpan.FromMilliseconds(400)); // t=1000: key-frame timer ticks (every 500 ms); 400 ms since #2
        DrainAll(router);
        Assert.Equal(2, pubSender.Plis().Count);
        time.Advance(TimeSpan.FromMilliseconds(500)); // t=1500: pending request goes out once
        DrainAll(router);
        Assert.Equal(3, pubSender.Plis().Count);
        time.Advance(TimeSpan.FromSeconds(2));
        DrainAll(router);
        Assert.Equal(3, pubSender.Plis().Count);

        DeliverRtcp(router, sub, pool, Fir(1, 0x9999)); // FIR alone, outside the interval: relayed as PLI
        DrainAll(router);
        Assert.Equal(4, pubSender.Plis().Count);
        Assert.All(pubSender.Plis(), p => Assert.Equal((0xAAAAu, 0x1234u), p));
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void ReceiverReport_ToPublisher_HasLossSeqJitterLsrDlsr()
    {
        var (router, time, pool) = NewRouter(new RouterOptions { StartSendLoops = false, RtcpReportInterval = TimeSpan.FromSeconds(1) });
        var pubSender = new CapturingSender();
        var publisher = router.CreateTransport("pub", pubSender, rtcpSsrc: 0xBEEF);
        var producer = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 0x1111, [Opus]));

        // seq 65530..65539 (wrapping), 65532 and 65535 lost; constant 20 ms spacing and 960-tick timestamps: jitter 0.
        for (int n = 0; n < 10; n++)
        {
            ushort seq = (ushort)(65530 + n);
            if (seq is 65532 or 65535) { time.Advance(TimeSpan.FromMilliseconds(20)); continue; }
            Deliver(router, publisher, Rtp(pool, 0x1111, seq, (uint)n * 960, 111, new byte[40]));
            time.Advance(TimeSpan.FromMilliseconds(20));
        }
        // Sender report from the publisher (RFC 3550 §6.4.1), NTP 0x0102030405060708.
        var sr = new byte[28];
        sr[0] = 0x80; sr[1] = 200;
        BinaryPrimitives.WriteUInt16BigEndian(sr.AsSpan(2), 6);
        BinaryPrimitives.WriteUInt32BigEndian(sr.AsSpan(4), 0x1111);
        BinaryPrimitives.WriteUInt64BigEndian(sr.AsSpan(8), 0x0102030405060708);
        DeliverRtcp(router, publisher, pool, sr);
        time.Advance(TimeSpan.FromMilliseconds(800)); // t = 1000 ms: report tick, 800 ms after the SR
        DrainAll(router);

        var rr = Assert.Single(pubSender.Rtcp);
        Assert.Equal(0x81, rr[0]); // V=2, RC=1
        Assert.Equal(201, rr[1]);
        Assert.Equal(7, BinaryPrimitives.ReadUInt16BigEndian(rr.AsSpan(2))); // 8 + 24 bytes
        Assert.Equal(0xBEEFu, BinaryPrimitives.ReadUInt32BigEndian(rr.AsSpan(4)));
        var block = rr.AsSpan(8, 24);
        Assert.Equal(0x1111u, BinaryPrimitives.ReadUInt32BigEndian(block));
        Assert.Equal(2 * 256 / 10, block[4]); // fraction lost
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(block[4..]) & 0xFFFFFF); // cumulative lost
        Assert.Equal(0x10000u + 3, BinaryPrimitives.ReadUInt32BigEndian(block[8..])); // one cycle, max seq 3
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32BigEndian(block[12..])); // jitter
        Assert.Equal(0x03040506u, BinaryPrimitives.ReadUInt32BigEndian(block[16..])); // LSR
        Assert.Equal((uint)(0.8 * 65536), BinaryPrimitives.ReadUInt32BigEndian(block[20..])); // DLSR
        // SDES CNAME follows in the compound (RFC 3550 §6.1).
        Assert.Equal(202, rr[33]);
        Assert.Equal(0xBEEFu, BinaryPrimitives.ReadUInt32BigEndian(rr.AsSpan(36)));
        Assert.Equal(1, rr[40]);
        Assert.Equal("digitalweroom-sfu", System.Text.Encoding.ASCII.GetString(rr, 42, rr[41]));

        // Next interval: no new packets, so fraction lost is 0 while cumulative stays 2.
        time.Advance(TimeSpan.FromSeconds(1));
        DrainAll(router);
        var rr2 = pubSender.Rtcp[1];
        Assert.Equal(0, rr2[8 + 4]);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(rr2.AsSpan(12)) & 0xFFFFFF);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void SenderReport_ToSubscriber_MapsNtpToRtpAndCounts()
    {
        var (router, time, pool) = NewRouter(new RouterOptions { StartSendLoops = false, RtcpReportInterval = TimeSpan.FromSeconds(1) });
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var producer = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 0x1111, [Opus]));
        var subSender = new CapturingSender();
        var sub = router.CreateTransport("sub", subSender);
        router.CreateConsumer(sub, producer, new ConsumerOptions("c", 0x5151));

        for (int n = 0; n < 25; n++)
        {
            Deliver(router, publisher, Rtp(pool, 0x1111, (ushort)n, 10_000u + (uint)n * 960, 111, new byte[30 + n]));
            DrainAll(router); // sent as it arrives
            time.Advance(TimeSpan.FromMilliseconds(20));
        }
        // t = 500 ms; the last packet (ts 10000 + 24*960) was sent at t = 480 ms.
        time.Advance(TimeSpan.FromMilliseconds(500)); // t = 1000 ms: report tick
        DrainAll(router);

        var sr = Assert.Single(subSender.Rtcp);
        Assert.Equal(0x80, sr[0]); // no report blocks: the subscriber transport publishes nothing
        Assert.Equal(200, sr[1]);
        Assert.Equal(6, BinaryPrimitives.ReadUInt16BigEndian(sr.AsSpan(2)));
        Assert.Equal(0x5151u, BinaryPrimitives.ReadUInt32BigEndian(sr.AsSpan(4)));
        ulong expectedNtp = MediaClock.ToNtp(time.GetUtcNow());
        Assert.Equal(expectedNtp, BinaryPrimitives.ReadUInt64BigEndian(sr.AsSpan(8)));
        Assert.Equal(4_004_510_401u, (uint)(expectedNtp >> 32)); // 2026-11-24T12:00:01Z in NTP seconds
        Assert.Equal(10_000u + 24 * 960 + 520 * 48, BinaryPrimitives.ReadUInt32BigEndian(sr.AsSpan(16))); // RTP ts now
        Assert.Equal(25u, BinaryPrimitives.ReadUInt32BigEndian(sr.AsSpan(20)));
        Assert.Equal((uint)Enumerable.Range(30, 25).Sum(), BinaryPrimitives.ReadUInt32BigEndian(sr.AsSpan(24)));
        Assert.Equal(202, sr[29]);
        Assert.Equal(0x5151u, BinaryPrimitives.ReadUInt32BigEndian(sr.AsSpan(32)));
        AssertNoLeakAfterClose(router, pool);
    }
}
