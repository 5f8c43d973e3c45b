using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Transport.Tests.Buffers;

public class PacketPoolTests
{
    [Fact]
    public void Last_release_returns_the_packet_and_counters_balance()
    {
        var pool = new PacketPool(maxRetained: 4);
        PooledPacket packet = pool.Rent();
        Assert.Equal(PooledPacket.MaxDatagramSize + PooledPacket.Headroom, packet.Buffer.Length);
        packet.AddRef();
        packet.Release();
        Assert.Equal(1, pool.Outstanding);
        packet.Release();
        Assert.Equal(0, pool.Outstanding);
        Assert.Same(packet, pool.Rent());
        Assert.Equal(1, pool.Allocated);
    }

    [Fact]
    public void Over_release_and_addref_after_release_throw()
    {
        var pool = new PacketPool();
        PooledPacket packet = pool.Rent();
        packet.Release();
        Assert.Throws<InvalidOperationException>(packet.Release);
        Assert.Throws<InvalidOperationException>(packet.AddRef);
    }

    [Fact]
    public void Counted_addref_and_release_balance_like_single_ones()
    {
        var pool = new PacketPool(maxRetained: 4);
        PooledPacket packet = pool.Rent();
        packet.AddRef(5); // a fan-out to 5 consumers in one add
        Assert.Equal(6, packet.References);
        packet.AddRef(0);
        packet.Release(0);
        packet.Release(3); // 3 of them were not used
        packet.Release();  // a consumer's send
        Assert.Equal(2, packet.References);
        Assert.Equal(1, pool.Outstanding);
        packet.Release(2);
        Assert.Equal(0, pool.Outstanding);
        Assert.Throws<InvalidOperationException>(() => packet.Release(1));
        Assert.Throws<InvalidOperationException>(() => packet.AddRef(2));
    }

    [Fact]
    public void Per_core_counters_sum_every_threads_adds()
    {
        var counters = new PerCoreCounters(2);
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 10_000; i++) counters.Add(0, 1, 1, 3);
        });
        counters.Add(1, -30);
        Assert.Equal(80_000, counters.Sum(0));
        Assert.Equal(239_970, counters.Sum(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerCoreCounters(9));
    }

    [Fact]
    public void Per_core_stripes_start_on_128_byte_boundaries_of_their_own()
    {
        // Any of a few instances (their arrays land at different addresses): no stripe shares a line, or a line pair
        // the prefetcher fetches together, with another core's.
        for (int n = 0; n < 8; n++)
        {
            var counters = new PerCoreCounters(8);
            for (int stripe = 1; stripe <= 16; stripe++)
            {
                Assert.Equal(0, counters.StripeAddress(stripe) & 127);
                if (stripe > 1) Assert.Equal(128, counters.StripeAddress(stripe) - counters.StripeAddress(stripe - 1));
            }
        }
    }

    [Fact]
    public void Pool_retains_at_most_its_bound()
    {
        var pool = new PacketPool(maxRetained: 2);
        var packets = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToList();
        packets.ForEach(p => p.Release());
        Assert.Equal(0, pool.Outstanding);
        _ = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToList();
        Assert.Equal(8, pool.Allocated); // 5, then 2 reused + 3 new
    }

    [Fact]
    public void Returning_more_packets_than_ever_before_allocates_nothing_up_to_the_bound()
    {
        // A send worker that fell behind returns a new high of packets at once (issue 16: 33,024 B, a 2,048-slot
        // queue segment, in a 2-core forward-bench round): the idle ring was made with the pool.
        var pool = new PacketPool(maxRetained: 4096);
        var packets = Enumerable.Range(0, 4096).Select(_ => pool.Rent()).ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var packet in packets) packet.Release();
        for (int i = 0; i < packets.Length; i++) packets[i] = pool.Rent();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(4096, pool.Allocated);
        Assert.Equal(4096, pool.Outstanding);
    }
}
