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
    public void Pool_retains_at_most_its_bound()
    {
        var pool = new PacketPool(maxRetained: 2);
        var packets = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToList();
        packets.ForEach(p => p.Release());
        Assert.Equal(0, pool.Outstanding);
        _ = Enumerable.Range(0, 5).Select(_ => pool.Rent()).ToList();
        Assert.Equal(8, pool.Allocated); // 5, then 2 reused + 3 new
    }
}
