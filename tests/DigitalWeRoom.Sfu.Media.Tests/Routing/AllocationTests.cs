using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Udp;
using static DigitalWeRoom.Sfu.Media.Tests.MediaTestKit;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

public class AllocationTests
{
    [Fact]
    public void OnRtp_FanOut_SendPath_AllocatesNothingPerPacket()
    {
        var (router, time, pool) = NewRouter(Quiet);
        var publisher = router.CreateTransport("pub", new CountingSender());
        var video = router.CreateProducer(publisher, new ProducerOptions("v", MediaKind.Video, 0x1234, [Vp8]));
        var senders = new CountingSender[3];
        for (int i = 0; i < 3; i++)
        {
            senders[i] = new CountingSender();
            router.CreateConsumer(router.CreateTransport($"sub{i}", senders[i]), video, new ConsumerOptions($"c{i}", 100u + (uint)i));
        }
        var subscribers = router.Transports.ToArray()[1..];
        var keyFrame = Vp8Payload(keyFrame: true, size: 1000);
        var delta = Vp8Payload(keyFrame: false, size: 1000);
        ushort seq = 0;

        void Run(int packets)
        {
            for (int n = 0; n < packets; n++)
            {
                PooledPacket packet = Rtp(pool, 0x1234, seq, seq * 3000u, 96, n % 100 == 0 ? keyFrame : delta, marker: true);
                seq++;
                router.OnRtp(publisher, packet);
                packet.Release();
                foreach (var sub in subscribers) sub.Outbound.DrainAvailable();
                time.Advance(TimeSpan.FromTicks(333_333));
            }
        }

        // Like a receive loop, this thread keeps its sendmmsg batch: no renting from the process-wide list, which other
        // tests running in parallel may have emptied at that moment (a new batch would count here).
        EgressBatch.KeepOnThisThread();
        long allocated;
        try
        {
            Run(5_000); // warm-up: pool, channel buffers, JIT
            long before = GC.GetAllocatedBytesForCurrentThread();
            Run(10_000);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        finally
        {
            EgressBatch.KeepOnThisThread(false);
        }

        Assert.Equal(0, allocated);
        foreach (var s in senders)
        {
            Assert.Equal(15_000, s.RtpPackets);
            Assert.Equal((ushort)(seq - 1), s.LastSeq);
        }
        Assert.Equal(45_000, router.Counters.ForwardedPackets);
        DrainAll(router); // PLIs queued to the publisher (new consumers, throttled ones flushed by the timer)
        AssertNoLeakAfterClose(router, pool);
    }
}
