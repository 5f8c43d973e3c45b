using DigitalWeRoom.Sfu.Media.Streams;

namespace DigitalWeRoom.Sfu.Media.Tests.Streams;

public class NackGeneratorTests
{
    private const long Frequency = 1000; // timestamps in ms

    private static NackGenerator NewGenerator(int maxMissing = 1000, int maxRetries = 10) =>
        new(maxMissing, maxRetries, TimeSpan.FromMilliseconds(100), Frequency);

    private static ushort[] Due(NackGenerator g, long now)
    {
        var buffer = new ushort[256];
        return buffer[..g.CollectDue(now, buffer)];
    }

    [Fact]
    public void Gap_IsDetectedAndNackedAtOnce()
    {
        var g = NewGenerator();
        Assert.Equal(NackAction.None, g.OnPacket(10, 0));
        Assert.Equal(NackAction.None, g.OnPacket(11, 0));
        Assert.Equal(NackAction.SendNack, g.OnPacket(15, 0));

        Assert.Equal(new ushort[] { 12, 13, 14 }, Due(g, 0));
        Assert.Empty(Due(g, 50)); // not again before an RTT
    }

    [Fact]
    public void Gap_Across65535Wrap_IsDetected()
    {
        var g = NewGenerator();
        g.OnPacket(65533, 0);
        Assert.Equal(NackAction.SendNack, g.OnPacket(2, 0));
        Assert.Equal(new ushort[] { 65534, 65535, 0, 1 }, Due(g, 0));
        Assert.True(g.IsMissing(0));
        Assert.False(g.IsMissing(2));
    }

    [Fact]
    public void Retries_AreSpacedByRtt_AndGiveUpAfterTheLimit()
    {
        var g = NewGenerator(maxRetries: 3);
        g.OnPacket(1, 0);
        g.OnPacket(3, 0);

        Assert.Equal(new ushort[] { 2 }, Due(g, 0));
        Assert.Empty(Due(g, 99));
        Assert.Equal(new ushort[] { 2 }, Due(g, 100));
        g.SetRtt(TimeSpan.FromMilliseconds(40));
        Assert.Empty(Due(g, 139));
        Assert.Equal(new ushort[] { 2 }, Due(g, 140));
        Assert.Empty(Due(g, 180)); // third try was the last: given up
        Assert.Equal(0, g.MissingCount);
        Assert.Equal(1, g.GaveUp);
    }

    [Fact]
    public void Arrival_RemovesFromMissing_IncludingLateAndRepaired()
    {
        var g = NewGenerator();
        g.OnPacket(100, 0);
        g.OnPacket(105, 0); // 101..104 missing
        Assert.Equal(4, g.MissingCount);

        g.OnPacket(102, 10); // late or RTX-repaired: same call
        g.OnPacket(104, 10);

        Assert.Equal(new ushort[] { 101, 103 }, Due(g, 10));
        Assert.False(g.IsMissing(102));
    }

    [Fact]
    public void TooLargeGap_ClearsAndAsksForKeyFrame()
    {
        var g = NewGenerator(maxMissing: 50);
        g.OnPacket(1, 0);
        g.OnPacket(5, 0); // 3 missing
        Assert.Equal(NackAction.RequestKeyFrame, g.OnPacket(60, 0)); // 54 more: over the bound

        Assert.Equal(0, g.MissingCount);
        Assert.Equal(NackAction.None, g.OnPacket(61, 0));
        Assert.Equal(NackAction.SendNack, g.OnPacket(63, 0));
        Assert.Equal(new ushort[] { 62 }, Due(g, 0));
    }

    [Fact]
    public void DuplicateOfHighest_AndSequenceRestart_DoNotCreateBogusGaps()
    {
        var g = NewGenerator();
        g.OnPacket(40000, 0);
        Assert.Equal(NackAction.None, g.OnPacket(40000, 0));
        // Restarted far away: too large a gap to repair, a key frame instead; then tracking goes on from there.
        Assert.Equal(NackAction.RequestKeyFrame, g.OnPacket(10, 0));
        Assert.Equal(NackAction.None, g.OnPacket(11, 0));
        Assert.Equal(0, g.MissingCount);
    }

    [Fact]
    public void Collect_AllocatesNothing()
    {
        var g = NewGenerator();
        var buffer = new ushort[256];
        ushort seq = 0;
        void Run(int n)
        {
            for (int i = 0; i < n; i++)
            {
                seq += (ushort)(i % 10 == 0 ? 3 : 1);
                g.OnPacket(seq, i);
                g.CollectDue(i, buffer);
            }
        }
        Run(1000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(10_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static NackGenerator ReorderingGenerator(int maxReorderMs = 100) =>
        new(1000, 10, TimeSpan.FromMilliseconds(100), Frequency, TimeSpan.FromMilliseconds(maxReorderMs));

    [Fact]
    public void A_late_original_teaches_the_reorder_delay_and_later_gaps_wait_for_it()
    {
        var g = ReorderingGenerator();
        Assert.Equal(TimeSpan.Zero, g.ReorderDelay);
        g.OnPacket(1, 0);
        g.OnPacket(3, 0);
        Assert.Equal(new ushort[] { 2 }, Due(g, 0)); // nothing learned yet: at once
        g.OnPacket(2, 40); // it was only late (40 ms), not lost
        Assert.Equal(1, g.LateOriginals);
        Assert.Equal(TimeSpan.FromMilliseconds(50), g.ReorderDelay); // 40 + a quarter

        g.OnPacket(5, 100);
        Assert.Empty(Due(g, 100));
        Assert.Empty(Due(g, 149));
        g.OnPacket(4, 130); // reordered within the delay: never NACKed
        Assert.Equal(0, g.MissingCount);
        g.OnPacket(7, 200);
        Assert.Equal(new ushort[] { 6 }, Due(g, 250)); // really missing: NACKed once the delay has passed
    }

    [Fact]
    public void Repairs_do_not_teach_reordering_and_the_delay_is_capped_and_fades_with_real_losses()
    {
        const long PerMs = 1000; // µs timestamps: the fading is proportional, fine-grained as with the router's clock
        var g = new NackGenerator(1000, 10, TimeSpan.FromMilliseconds(100), 1000 * PerMs, TimeSpan.FromMilliseconds(60));
        g.OnPacket(1, 0);
        g.OnPacket(3, 0);
        Assert.Equal(new ushort[] { 2 }, Due(g, 0));
        g.OnPacket(2, 30 * PerMs, repaired: true); // the RTX answer: a repair, not reordering
        Assert.Equal(TimeSpan.Zero, g.ReorderDelay);

        g.OnPacket(5, 100 * PerMs);
        g.OnPacket(4, 300 * PerMs); // 200 ms late: learned, but only up to the cap
        Assert.Equal(TimeSpan.FromMilliseconds(60), g.ReorderDelay);

        ushort seq = 5;
        long now = 400 * PerMs;
        for (int i = 0; i < 40; i++)
        {
            seq += 2;
            g.OnPacket(seq, now); // one lost before each
            Assert.NotEmpty(Due(g, now + (60 * PerMs)));
            now += 100 * PerMs;
        }
        Assert.True(g.ReorderDelay < TimeSpan.FromMilliseconds(20), $"after 40 real losses the delay is still {g.ReorderDelay}");
    }
}
