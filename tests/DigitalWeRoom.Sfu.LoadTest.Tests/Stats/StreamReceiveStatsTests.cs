using DigitalWeRoom.Sfu.LoadTest.Stats;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Stats;

public class StreamReceiveStatsTests
{
    [Fact]
    public void InOrder_NoLoss()
    {
        var s = new StreamReceiveStats();
        for (int i = 0; i < 1000; i++) s.OnPacket(i, 100);
        Assert.Equal(1000, s.Unique);
        Assert.Equal(0, s.Lost(999));
        Assert.Equal(0, s.Duplicates);
        Assert.Equal(0, s.Reordered);
    }

    [Fact]
    public void Gaps_CountAsLoss_TailLossNeedsLastSent()
    {
        var s = new StreamReceiveStats();
        for (int i = 0; i < 100; i++)
        {
            if (i % 10 != 3) s.OnPacket(i, 0);
        }
        Assert.Equal(90, s.Unique);
        Assert.Equal(10, s.Lost());
        // The publisher sent up to 104: the five after the highest received are lost too.
        Assert.Equal(15, s.Lost(104));
    }

    [Fact]
    public void Reordering_IsNotLoss_AndDuplicatesAreNotCountedTwice()
    {
        var s = new StreamReceiveStats();
        long[] order = [0, 2, 1, 3, 5, 4, 4, 6, 3, 7, 9, 8, 9, 9];
        foreach (long q in order) s.OnPacket(q, 0);
        Assert.Equal(10, s.Unique);
        Assert.Equal(0, s.Lost(9));
        Assert.Equal(4, s.Duplicates);
        Assert.Equal(3, s.Reordered);
    }

    [Fact]
    public void PacketBeforeFirst_ExtendsStart()
    {
        var s = new StreamReceiveStats();
        s.OnPacket(11, 0);
        s.OnPacket(10, 0);
        s.OnPacket(12, 0);
        Assert.Equal(10, s.First);
        Assert.Equal(3, s.Unique);
        Assert.Equal(0, s.Lost(12));
    }

    [Fact]
    public void VeryLatePacket_OutsideWindow_IsLateNotReceived()
    {
        var s = new StreamReceiveStats();
        s.OnPacket(0, 0);
        s.OnPacket(10_000, 0);
        s.OnPacket(5, 0);
        Assert.Equal(1, s.TooLate);
        Assert.Equal(2, s.Unique);
        Assert.Equal(9_999, s.Lost());
    }

    [Fact]
    public void WindowWrap_OldBitsCleared_SoNewPacketsAreNotTakenForDuplicates()
    {
        var s = new StreamReceiveStats();
        for (int i = 0; i < 20_000; i++) s.OnPacket(i, 0);
        Assert.Equal(0, s.Duplicates);
        Assert.Equal(20_000, s.Unique);
        // A jump larger than the window clears it.
        s.OnPacket(30_000, 0);
        s.OnPacket(29_999, 0);
        Assert.Equal(0, s.Duplicates);
        Assert.Equal(20_002, s.Unique);
    }

    [Fact]
    public void Jitter_FollowsRfc3550Estimator_AndLatencyIsRecorded()
    {
        var s = new StreamReceiveStats();
        s.OnPacket(0, 1000);
        s.OnPacket(1, 1160); // D = 160 → J = 10
        Assert.Equal(10, s.JitterMicros, 6);
        s.OnPacket(2, 1160); // D = 0 → J = 10 - 10/16
        Assert.Equal(9.375, s.JitterMicros, 6);
        Assert.Equal(3, s.Latency.Count);
        Assert.Equal(1160, s.Latency.Max);
    }

    [Fact]
    public void RandomReorderAndDuplication_MatchesExactCount()
    {
        var random = new Random(7);
        var s = new StreamReceiveStats();
        var delivered = new List<long>();
        var dropped = new HashSet<long>();
        for (long q = 0; q < 50_000; q++)
        {
            if (q > 0 && q < 49_999 && random.Next(100) < 2) { dropped.Add(q); continue; }
            delivered.Add(q);
            if (random.Next(100) < 3) delivered.Add(q);
        }
        // Local reordering: swap neighbours within 50 positions.
        for (int i = 0; i < delivered.Count - 50; i += 7)
        {
            int j = i + random.Next(50);
            (delivered[i], delivered[j]) = (delivered[j], delivered[i]);
        }
        foreach (long q in delivered) s.OnPacket(q, 10);
        Assert.Equal(dropped.Count, s.Lost(49_999));
        Assert.Equal(50_000 - dropped.Count, s.Unique);
        Assert.Equal(delivered.Count - s.Unique, s.Duplicates);
    }
}
