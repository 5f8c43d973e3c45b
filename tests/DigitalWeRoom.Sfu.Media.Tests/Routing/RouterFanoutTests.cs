using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Rtp;
using DigitalWeRoom.Sfu.Transport;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

public class RouterFanoutTests
{
    [Fact]
    public void OneProducerThreeConsumers_EachGetsIdenticalPayloadWithOwnSsrcAndContinuousSeq()
    {
        var (router, time, pool) = NewRouter();
        var pubSender = new CapturingSender();
        var publisher = router.CreateTransport("pub", pubSender);
        var producer = router.CreateProducer(publisher, new ProducerOptions("audio-1", MediaKind.Audio, 0x1111, [Opus]));
        var senders = new CapturingSender[3];
        var consumers = new Consumer[3];
        for (int i = 0; i < 3; i++)
        {
            senders[i] = new CapturingSender();
            var sub = router.CreateTransport($"sub{i}", senders[i]);
            consumers[i] = router.CreateConsumer(sub, producer, new ConsumerOptions($"c{i}", 0xA000u + (uint)i));
        }

        var payloads = new List<byte[]>();
        for (int n = 0; n < 20; n++)
        {
            var payload = new byte[50 + n];
            Random.Shared.NextBytes(payload);
            payloads.Add(payload);
            Deliver(router, publisher, Rtp(pool, 0x1111, (ushort)(65530 + n), 1000u + (uint)n * 960, 111, payload));
            time.Advance(TimeSpan.FromMilliseconds(20));
        }
        DrainAll(router);

        for (int i = 0; i < 3; i++)
        {
            var sent = senders[i].Rtp;
            Assert.Equal(20, sent.Count);
            for (int n = 0; n < 20; n++)
            {
                Assert.Equal(0xA000u + (uint)i, Ssrc(sent[n]));
                Assert.Equal((ushort)(65530 + n), Seq(sent[n])); // transparent when uninterrupted, wraps through 0
                Assert.Equal(1000u + (uint)n * 960, Timestamp(sent[n]));
                Assert.Equal(payloads[n], sent[n].AsSpan(12).ToArray());
                Assert.Equal(0x80, sent[n][0]);
                Assert.Equal(111, sent[n][1]);
            }
            Assert.Equal(20, consumers[i].Stream.PacketCount);
            Assert.Equal(payloads.Sum(p => p.Length), consumers[i].Stream.OctetCount);
        }
        Assert.Equal(60, router.Counters.ForwardedPackets);
        Assert.Equal(3 * payloads.Sum(p => p.Length + 12), router.Counters.ForwardedBytes);
        Assert.Equal(20, producer.Receiver.PacketsReceived);
        Assert.Empty(pubSender.Rtp);
        Assert.Empty(pubSender.Plis()); // audio: no key-frame requests
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void PayloadTypeMap_RewritesPtPerSubscriber_KeepsMarker()
    {
        var (router, _, pool) = NewRouter();
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var producer = router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, 9, [Vp8]));
        var mapped = new CapturingSender();
        var plain = new CapturingSender();
        router.CreateConsumer(router.CreateTransport("ff", mapped), producer, new ConsumerOptions("c1", 1) { PayloadTypeMap = [(96, 120)] });
        router.CreateConsumer(router.CreateTransport("ch", plain), producer, new ConsumerOptions("c2", 2));

        Deliver(router, publisher, Rtp(pool, 9, 1, 0, 96, Vp8Payload(keyFrame: true), marker: true));
        Deliver(router, publisher, Rtp(pool, 9, 2, 0, 96, Vp8Payload(keyFrame: false), marker: false));
        DrainAll(router);

        Assert.Equal([0x80 | 120, 120], mapped.Rtp.Select(p => (int)p[1]));
        Assert.Equal([0x80 | 96, 96], plain.Rtp.Select(p => (int)p[1]));
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void PauseResume_SeqHasNoGap_TimestampAdvancesByWallClock()
    {
        var (router, time, pool) = NewRouter();
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var producer = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 7, [Opus]));
        var subSender = new CapturingSender();
        var consumer = router.CreateConsumer(router.CreateTransport("sub", subSender), producer, new ConsumerOptions("c", 77));

        ushort seq = 500;
        uint ts = 90_000;
        void Send(int count)
        {
            for (int i = 0; i < count; i++)
            {
                Deliver(router, publisher, Rtp(pool, 7, seq++, ts, 111, [1, 2, 3, 4]));
                ts += 960;
                time.Advance(TimeSpan.FromMilliseconds(20));
            }
        }

        Send(10);
        consumer.Pause();
        Send(50); // one second not forwarded
        // The source also jumps (as after a P2P→SFU switch or a publisher restart).
        seq += 1234;
        ts += 4_000_000;
        time.Advance(TimeSpan.FromMilliseconds(500));
        consumer.Resume();
        Send(10);
        DrainAll(router);

        var sent = subSender.Rtp;
        Assert.Equal(20, sent.Count);
        for (int i = 1; i < sent.Count; i++)
        {
            Assert.Equal((ushort)(Seq(sent[i - 1]) + 1), Seq(sent[i]));
        }
        for (int i = 11; i < sent.Count; i++)
        {
            Assert.Equal(960u, Timestamp(sent[i]) - Timestamp(sent[i - 1]));
        }
        // Gap between packet 9 (t=180 ms) and packet 10 (t=180 + 20 + 1000 + 500 ms): 1.52 s at 48 kHz.
        Assert.Equal(72_960u, Timestamp(sent[10]) - Timestamp(sent[9]));
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void VideoResume_WaitsForKeyFrame_AndRequestsOne()
    {
        var (router, time, pool) = NewRouter();
        var pubSender = new CapturingSender();
        var publisher = router.CreateTransport("pub", pubSender, rtcpSsrc: 0xCAFE);
        var producer = router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, 9, [Vp8]));
        var subSender = new CapturingSender();
        var consumer = router.CreateConsumer(router.CreateTransport("sub", subSender), producer, new ConsumerOptions("c", 99));

        Deliver(router, publisher, Rtp(pool, 9, 1, 3000, 96, Vp8Payload(keyFrame: false))); // skipped: waiting for key frame
        Deliver(router, publisher, Rtp(pool, 9, 2, 3000, 96, Vp8Payload(keyFrame: true)));
        Deliver(router, publisher, Rtp(pool, 9, 3, 6000, 96, Vp8Payload(keyFrame: false)));
        consumer.Pause();
        Deliver(router, publisher, Rtp(pool, 9, 4, 9000, 96, Vp8Payload(keyFrame: false)));
        time.Advance(TimeSpan.FromSeconds(1));
        consumer.Resume();
        Deliver(router, publisher, Rtp(pool, 9, 5, 12000, 96, Vp8Payload(keyFrame: false))); // skipped: waiting
        Deliver(router, publisher, Rtp(pool, 9, 6, 15000, 96, Vp8Payload(keyFrame: true)));
        DrainAll(router);

        Assert.Equal([(ushort)2, (ushort)3, (ushort)4], subSender.Rtp.Select(Seq));
        Assert.Equal(99u, Ssrc(subSender.Rtp[2]));
        Assert.Equal(2, consumer.PacketsSkippedWaitingForKeyFrame);
        // PLI at consumer creation and again at resume (1 s later, outside the throttle interval).
        Assert.Equal([(0xCAFEu, 9u), (0xCAFEu, 9u)], pubSender.Plis());
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void WaitingForKeyFrame_RepeatsTheRequestEverySecond_UntilOneArrives()
    {
        var (router, time, pool) = NewRouter(Quiet);
        var pubSender = new CapturingSender();
        var publisher = router.CreateTransport("pub", pubSender);
        var producer = router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, 9, [Vp8]));
        var subSender = new CapturingSender();
        router.CreateConsumer(router.CreateTransport("sub", subSender), producer, new ConsumerOptions("c", 99)); // PLI 1

        for (int n = 0; n < 75; n++) // 2.5 s of delta frames at 30 fps: the PLI (or its key frame) was lost
        {
            Deliver(router, publisher, Rtp(pool, 9, (ushort)n, (uint)n * 3000, 96, Vp8Payload(keyFrame: false)));
            time.Advance(TimeSpan.FromMilliseconds(1000.0 / 30));
        }
        DrainAll(router);
        Assert.Equal(3, pubSender.Plis().Count); // t = 0, ~1 s, ~2 s
        Assert.Empty(subSender.Rtp);

        Deliver(router, publisher, Rtp(pool, 9, 75, 75 * 3000, 96, Vp8Payload(keyFrame: true)));
        for (int n = 76; n < 150; n++)
        {
            Deliver(router, publisher, Rtp(pool, 9, (ushort)n, (uint)n * 3000, 96, Vp8Payload(keyFrame: false)));
            time.Advance(TimeSpan.FromMilliseconds(1000.0 / 30));
        }
        DrainAll(router);
        Assert.Equal(3, pubSender.Plis().Count); // no more once forwarding
        Assert.Equal(75, subSender.Rtp.Count);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void TinyQueue_DropsOldest_ReleasesEveryDroppedPacket()
    {
        var (router, _, pool) = NewRouter(new RouterOptions { StartSendLoops = false, SubscriberQueueCapacity = 4 });
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var producer = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 5, [Opus]));
        var senders = new[] { new CapturingSender(), new CapturingSender() };
        foreach (var (s, i) in senders.Select((s, i) => (s, i)))
        {
            router.CreateConsumer(router.CreateTransport($"sub{i}", s), producer, new ConsumerOptions($"c{i}", 50u + (uint)i));
        }

        for (int n = 0; n < 20; n++)
        {
            Deliver(router, publisher, Rtp(pool, 5, (ushort)n, (uint)n * 960, 111, new byte[200]));
        }
        Assert.Equal(4, pool.Outstanding); // the 4 newest, shared by both queues
        Assert.Equal(2 * 16, router.Counters.Drops.Get(DropReason.QueueOverflow));
        DrainAll(router);

        foreach (var s in senders)
        {
            Assert.Equal([16, 17, 18, 19], s.Rtp.Select(p => (int)Seq(p)));
        }
        AssertNoLeakAfterClose(router, pool);
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void UnknownSsrc_IsCountedAsNoRoute_AndNotForwarded()
    {
        var (router, _, pool) = NewRouter();
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var producer = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 5, [Opus]));
        var subSender = new CapturingSender();
        router.CreateConsumer(router.CreateTransport("sub", subSender), producer, new ConsumerOptions("c", 50));

        Deliver(router, publisher, Rtp(pool, 0xDEAD, 1, 1, 111, [1, 2, 3]));
        Deliver(router, publisher, Rtp(pool, 5, 2, 2, 111, [1, 2, 3]));
        var truncated = pool.Rent();
        truncated.Length = 7;
        Deliver(router, publisher, truncated);
        DrainAll(router);

        Assert.Equal(1, router.Counters.Drops.Get(DropReason.NoRoute));
        Assert.Equal(1, router.Counters.Drops.Get(DropReason.Truncated));
        Assert.Single(subSender.Rtp);
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public void SsrcNotSignaled_IsBoundByMidAndRidExtensions()
    {
        var (router, _, pool) = NewRouter();
        var publisher = router.CreateTransport("pub", new CapturingSender(), new RtpHeaderExtensionIds(Mid: 4, RtpStreamId: 10));
        var low = router.CreateProducer(publisher, new ProducerOptions("v-q", MediaKind.Video, 0, [Vp8]) { Mid = "1", Rid = "q" });
        var high = router.CreateProducer(publisher, new ProducerOptions("v-f", MediaKind.Video, 0, [Vp8]) { Mid = "1", Rid = "f" });
        var subSender = new CapturingSender();
        router.CreateConsumer(router.CreateTransport("sub", subSender), high, new ConsumerOptions("c", 500));

        var extF = OneByteExtensions((4, "1"u8.ToArray()), (10, "f"u8.ToArray()));
        var extQ = OneByteExtensions((4, "1"u8.ToArray()), (10, "q"u8.ToArray()));
        Deliver(router, publisher, Rtp(pool, 0x2222, 1, 100, 96, Vp8Payload(true), extensionBlock: extF));
        Deliver(router, publisher, Rtp(pool, 0x3333, 1, 100, 96, Vp8Payload(true), extensionBlock: extQ));
        Deliver(router, publisher, Rtp(pool, 0x2222, 2, 100, 96, Vp8Payload(false))); // no extensions: SSRC now known
        Deliver(router, publisher, Rtp(pool, 0x4444, 1, 100, 96, Vp8Payload(false))); // nothing to bind by
        Deliver(router, publisher, Rtp(pool, 0x5555, 1, 100, 97, [0, 1, 2, 3], extensionBlock: extF)); // RTX payload type
        DrainAll(router);

        Assert.Equal(0x2222u, high.Ssrc);
        Assert.Equal(0x3333u, low.Ssrc);
        Assert.Equal(2, high.Receiver.PacketsReceived);
        Assert.Equal(1, high.RtxPacketsIgnored);
        Assert.Equal(1, low.Receiver.PacketsReceived);
        Assert.Equal(2, subSender.Rtp.Count);
        Assert.Equal(1, router.Counters.Drops.Get(DropReason.NoRoute));
        AssertNoLeakAfterClose(router, pool);
    }

    [Fact]
    public async Task SendLoop_DeliversAndEndsOnClose_ReleasingEverything()
    {
        var (router, time, pool) = NewRouter(new RouterOptions { StartSendLoops = true });
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var producer = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 5, [Opus]));
        var subSender = new SignallingSender(100);
        var sub = router.CreateTransport("sub", subSender);
        router.CreateConsumer(sub, producer, new ConsumerOptions("c", 50));

        for (int n = 0; n < 100; n++)
        {
            Deliver(router, publisher, Rtp(pool, 5, (ushort)n, (uint)n * 960, 111, new byte[100]));
        }
        await subSender.Done.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await router.CloseTransport(sub).WaitAsync(TimeSpan.FromSeconds(10));
        await router.CloseTransport(publisher).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(100, subSender.Count);
        Assert.True(sub.SendLoop!.IsCompletedSuccessfully);
        Assert.Empty(producer.Consumers.ToArray());
        AssertNoLeakAfterClose(router, pool);
        _ = time;
    }

    private sealed class SignallingSender(int expected) : IRtpPacketSender
    {
        private int _count;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Count => Volatile.Read(ref _count);

        public bool TrySendRtp(Span<byte> buffer, int length)
        {
            if (Interlocked.Increment(ref _count) == expected) Done.TrySetResult();
            return true;
        }

        public bool TrySendRtcp(Span<byte> buffer, int length) => true;
    }
}
