using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Transport.Tests.Buffers;

public class ReleaseBatchTests
{
    [Fact]
    public void Outside_a_scope_a_batched_release_is_immediate()
    {
        // No scope on this thread (a timer's eviction, a Close): each release is applied before the call returns.
        var packet = new PacketPool(maxRetained: 4).Rent();
        packet.AddRef(2);
        for (int expected = 2; expected >= 0; expected--)
        {
            packet.ReleaseBatched();
            Assert.Equal(expected, packet.References);
        }
    }

    [Fact]
    public void Releases_in_a_scope_happen_once_each_at_its_end()
    {
        var pool = new PacketPool(maxRetained: 8);
        PooledPacket a = pool.Rent();
        PooledPacket b = pool.Rent();
        a.AddRef(3); // four subscribers' references
        b.AddRef(1);
        using (ReleaseBatch.Enter())
        {
            a.ReleaseBatched();
            b.ReleaseBatched();
            a.ReleaseBatched();
            a.ReleaseBatched();
            using (ReleaseBatch.Enter())
            {
                a.ReleaseBatched();
            }
            // The inner scope's end is not the outermost: still held.
            Assert.Equal(4, a.References);
            Assert.Equal(2, b.References);
            Assert.Equal(5, ReleaseBatch.PendingOnThisThread);
        }
        Assert.Equal(0, ReleaseBatch.PendingOnThisThread);
        Assert.Equal(1, b.References);
        Assert.Equal(1, pool.Outstanding); // a went back to the pool: released exactly as often as referenced
        b.Release();
        Assert.Equal(0, pool.Outstanding);
        Assert.Equal(pool.Rented, pool.Returned);
    }

    [Fact]
    public void A_full_batch_releases_what_it_holds_and_goes_on()
    {
        var pool = new PacketPool(maxRetained: 64);
        var packets = new PooledPacket[ReleaseBatch.Capacity + 1];
        for (int i = 0; i < packets.Length; i++) packets[i] = pool.Rent();
        using (ReleaseBatch.Enter())
        {
            foreach (var packet in packets) packet.ReleaseBatched();
            // The first Capacity went when the last one did not fit; the last waits for the scope's end.
            Assert.Equal(1, pool.Outstanding);
            Assert.Equal(1, packets[^1].References);
        }
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Batched_releases_allocate_nothing_once_the_thread_has_its_batch()
    {
        var pool = new PacketPool(maxRetained: 8);
        PooledPacket packet = pool.Rent();
        using (ReleaseBatch.Enter())
        {
            // The thread's first scope allocates its batch.
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            packet.AddRef(4);
            using (ReleaseBatch.Enter())
            {
                for (int j = 0; j < 4; j++) packet.ReleaseBatched();
            }
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1, packet.References);
        packet.Release();
    }
}
