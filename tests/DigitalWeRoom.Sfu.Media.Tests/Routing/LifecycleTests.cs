using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

public class LifecycleTests
{
    [Fact]
    public void CloseProducer_ClosesItsConsumers_AndItsSsrcStopsRouting()
    {
        var (router, _, pool) = NewRouter();
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var producer = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 5, [Opus]));
        var sub = router.CreateTransport("sub", new CapturingSender());
        var consumer = router.CreateConsumer(sub, producer, new ConsumerOptions("c", 50));

        router.CloseProducer(producer);
        Deliver(router, publisher, Rtp(pool, 5, 1, 1, 111, [1]));

        Assert.True(consumer.IsClosed);
        Assert.True(sub.Consumers.IsEmpty);
        Assert.True(publisher.Producers.IsEmpty);
        Assert.False(router.TryGetProducer("a", out _));
        Assert.Equal(1, router.Counters.Drops.Get(DropReason.NoRoute));
        Assert.Throws<InvalidOperationException>(() => router.CreateConsumer(sub, producer, new ConsumerOptions("c2", 51)));
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void RtxSsrc_IsRecognisedAndIgnored_NotNoRoute()
    {
        var (router, _, pool) = NewRouter();
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var producer = router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, 5, [Vp8]) { RtxSsrc = 6 });
        var subSender = new CapturingSender();
        router.CreateConsumer(router.CreateTransport("sub", subSender), producer, new ConsumerOptions("c", 50));

        Deliver(router, publisher, Rtp(pool, 6, 1, 1, 97, [0, 1, 2, 3]));
        DrainAll(router);

        Assert.Equal(1, producer.RtxPacketsIgnored);
        Assert.Equal(0, router.Counters.Drops.Total);
        Assert.Empty(subSender.Rtp);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void SetForwarding_PausesAndResumesEveryConsumerOfATransport()
    {
        var (router, time, pool) = NewRouter();
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var a = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 5, [Opus]));
        var b = router.CreateProducer(publisher, new ProducerOptions("b", MediaKind.Audio, 6, [Opus]));
        var subSender = new CapturingSender();
        var sub = router.CreateTransport("sub", subSender);
        router.CreateConsumer(sub, a, new ConsumerOptions("ca", 50));
        router.CreateConsumer(sub, b, new ConsumerOptions("cb", 60));

        router.SetForwarding(sub, enabled: false);
        Deliver(router, publisher, Rtp(pool, 5, 1, 1, 111, [1]));
        Deliver(router, publisher, Rtp(pool, 6, 1, 1, 111, [1]));
        DrainAll(router);
        Assert.Empty(subSender.Rtp);

        time.Advance(TimeSpan.FromMilliseconds(20));
        router.SetForwarding(sub, enabled: true);
        Deliver(router, publisher, Rtp(pool, 5, 2, 961, 111, [1]));
        Deliver(router, publisher, Rtp(pool, 6, 2, 961, 111, [1]));
        DrainAll(router);
        Assert.Equal([50u, 60u], subSender.Rtp.Select(Ssrc));
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public async Task DisposeAsync_EndsSendLoops_ReleasesQueuedPackets()
    {
        var (router, _, pool) = NewRouter(new RouterOptions { StartSendLoops = true });
        var publisher = router.CreateTransport("pub", new CapturingSender());
        var producer = router.CreateProducer(publisher, new ProducerOptions("a", MediaKind.Audio, 5, [Opus]));
        for (int i = 0; i < 5; i++)
        {
            router.CreateConsumer(router.CreateTransport($"sub{i}", new CapturingSender()), producer, new ConsumerOptions($"c{i}", 50u + (uint)i));
        }
        for (int n = 0; n < 200; n++)
        {
            Deliver(router, publisher, Rtp(pool, 5, (ushort)n, (uint)n * 960, 111, new byte[100]));
        }

        await router.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(router.Transports.IsEmpty);
        Assert.Equal(0, pool.Outstanding);
        Assert.Throws<ObjectDisposedException>(() => router.CreateTransport("late", new CapturingSender()));
    }
}
