using DigitalWeRoom.Sfu.Media.Streams;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Media.Tests.Streams;

public class RetransmissionBufferTests
{
    private const long Frequency = 1_000_000; // timestamps in µs
    private static long Ms(int ms) => ms * 1000L;

    private static RetransmissionBuffer NewBuffer(int capacity = 8) =>
        new(capacity, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), Frequency);

    private static PooledPacket Packet(PacketPool pool, byte marker)
    {
        var p = pool.Rent();
        p.Buffer[0] = marker;
        p.Length = 20;
        return p;
    }

    /// <summary>Stores a fresh packet (the buffer takes its own reference; the test's is released).</summary>
    private static void Store(RetransmissionBuffer buffer, PacketPool pool, ushort seq, long now, byte marker = 0)
    {
        var p = Packet(pool, marker);
        buffer.Store(p, seq, 1000u + seq, 96, now);
        p.Release();
    }

    [Fact]
    public void Ring_IsAllocatedByTheFirstPacketKept_NotByAConsumerThatNeverForwards()
    {
        // 50 of the 59 cameras a subscriber of a meeting of 60 has are paused by last-N: 16 KB of empty slots each.
        var buffer = NewBuffer(512);
        Assert.False(buffer.Allocated);
        Assert.Equal(512, buffer.Capacity);
        Assert.False(buffer.TryGetForResend(1, Ms(0), out _, out _));
        buffer.EvictExpired(Ms(5000));
        buffer.Clear();
        Assert.False(buffer.Allocated);

        var pool = new PacketPool();
        Store(buffer, pool, 1, Ms(0));
        Assert.True(buffer.Allocated);
        Assert.True(buffer.TryGetForResend(1, Ms(1), out var entry, out _));
        entry.Packet.Release();
        buffer.Close();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Keep_TakesOverTheCallersReference_AndRefusesWhenClosed()
    {
        var pool = new PacketPool();
        var buffer = NewBuffer(capacity: 4);
        var kept = Packet(pool, 1);
        Assert.True(buffer.Keep(kept, 10, 1010, 96, Ms(0)));
        Assert.Equal(1, kept.References); // the caller's reference, now the buffer's: no add, no release
        Assert.True(buffer.TryGetForResend(10, Ms(20), out var entry, out _));
        Assert.Same(kept, entry.Packet);
        entry.Packet.Release();
        for (ushort seq = 11; seq <= 14; seq++) Store(buffer, pool, seq, Ms(1)); // 10 falls out of the ring
        Assert.Equal(0, kept.References);

        var old = Packet(pool, 2);
        Assert.False(buffer.Keep(old, 3, 1003, 96, Ms(2))); // older than the ring reaches
        Assert.Equal(1, old.References); // still the caller's
        old.Release();
        buffer.Close();
        var late = Packet(pool, 3);
        Assert.False(buffer.Keep(late, 15, 1015, 96, Ms(3)));
        late.Release();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void StoredPacket_IsReturnedWithItsRewriteValues_AndAReference()
    {
        var pool = new PacketPool();
        var buffer = NewBuffer();
        Store(buffer, pool, 100, 0, marker: 0xAB);

        Assert.True(buffer.TryGetForResend(100, Ms(5), out var entry, out bool limited));
        Assert.False(limited);
        Assert.Equal((ushort)100, entry.SequenceNumber);
        Assert.Equal(1100u, entry.Timestamp);
        Assert.Equal(96, entry.PayloadType);
        Assert.Equal(0xAB, entry.Packet.Buffer[0]);
        Assert.Equal(2, entry.Packet.References);
        entry.Packet.Release();
        Assert.False(buffer.TryGetForResend(101, Ms(5), out _, out _)); // never stored

        buffer.Close();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void EvictsByCount_ReleasingTheEvictedPacket()
    {
        var pool = new PacketPool();
        var buffer = NewBuffer(capacity: 8);
        for (ushort s = 0; s < 20; s++) Store(buffer, pool, s, Ms(s));

        Assert.Equal(8, buffer.Count);
        Assert.Equal(8, pool.Outstanding);
        for (ushort s = 0; s < 12; s++) Assert.False(buffer.TryGetForResend(s, Ms(20), out _, out _));
        for (ushort s = 12; s < 20; s++)
        {
            Assert.True(buffer.TryGetForResend(s, Ms(20), out var e, out _));
            e.Packet.Release();
        }
        buffer.Close();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void EvictsByAge_ReleasingTheExpiredPackets()
    {
        var pool = new PacketPool();
        var buffer = NewBuffer(capacity: 64);
        for (ushort s = 0; s < 10; s++) Store(buffer, pool, s, Ms(s * 100)); // 0 .. 900 ms

        Assert.Equal(10, buffer.Count);
        buffer.EvictExpired(Ms(1450)); // older than 1 s: stored at 0..400 ms
        Assert.Equal(5, buffer.Count);
        Assert.Equal(5, pool.Outstanding);
        Assert.False(buffer.TryGetForResend(4, Ms(1450), out _, out _));
        // Expired at lookup time even without a sweep.
        Assert.False(buffer.TryGetForResend(5, Ms(1501), out _, out _));
        Assert.Equal(4, buffer.Count);
        buffer.Close();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void SequenceWraparound_KeepsTheNewestAcross65535()
    {
        var pool = new PacketPool();
        var buffer = NewBuffer(capacity: 16);
        for (int n = 0; n < 12; n++) Store(buffer, pool, (ushort)(65530 + n), Ms(n));

        foreach (ushort s in new ushort[] { 65530, 65535, 0, 5 })
        {
            Assert.True(buffer.TryGetForResend(s, Ms(20), out var e, out _));
            Assert.Equal(s, e.SequenceNumber);
            e.Packet.Release();
        }
        Assert.False(buffer.TryGetForResend(6, Ms(20), out _, out _));
        Assert.Equal(12, buffer.Count);
        buffer.Close();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void OutOfOrderStore_WithinTheRing_IsKept_TooOld_IsIgnored()
    {
        var pool = new PacketPool();
        var buffer = NewBuffer(capacity: 8);
        Store(buffer, pool, 100, 0);
        Store(buffer, pool, 102, 0);
        Store(buffer, pool, 101, 0); // reordered
        Store(buffer, pool, 90, 0);  // more than a ring behind the newest

        Assert.Equal(3, buffer.Count);
        Assert.True(buffer.TryGetForResend(101, 0, out var e, out _));
        e.Packet.Release();
        Assert.False(buffer.TryGetForResend(90, 0, out _, out _));
        buffer.Close();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void SamePacket_IsResentAtMostOncePerMinimumInterval()
    {
        var pool = new PacketPool();
        var buffer = NewBuffer();
        Store(buffer, pool, 7, 0);

        Assert.True(buffer.TryGetForResend(7, Ms(20), out var a, out _));
        a.Packet.Release();
        Assert.False(buffer.TryGetForResend(7, Ms(25), out _, out bool limited));
        Assert.True(limited);
        Assert.True(buffer.TryGetForResend(7, Ms(31), out var b, out _));
        b.Packet.Release();
        buffer.Close();
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void Close_ReleasesEverything_AndIgnoresLaterStores()
    {
        var pool = new PacketPool();
        var buffer = NewBuffer(capacity: 512);
        for (ushort s = 0; s < 300; s++) Store(buffer, pool, s, 0);
        Assert.Equal(300, pool.Outstanding);

        buffer.Close();
        Store(buffer, pool, 300, 0);

        Assert.Equal(0, buffer.Count);
        Assert.Equal(0, pool.Outstanding);
    }

    [Fact]
    public void LargeForwardJump_ClearsTheRing()
    {
        var pool = new PacketPool();
        var buffer = NewBuffer(capacity: 8);
        for (ushort s = 0; s < 8; s++) Store(buffer, pool, s, 0);
        Store(buffer, pool, 1000, 0);

        Assert.Equal(1, buffer.Count);
        Assert.Equal(1, pool.Outstanding);
        buffer.Close();
        Assert.Equal(0, pool.Outstanding);
    }
}
