using DigitalWeRoom.Sfu.LoadTest.Stats;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Stats;

public class LatencyHistogramTests
{
    [Fact]
    public void SmallValues_AreExact()
    {
        var h = new LatencyHistogram();
        for (int v = 1; v <= 100; v++) h.Record(v);
        Assert.Equal(50, h.Percentile(50));
        Assert.Equal(95, h.Percentile(95));
        Assert.Equal(99, h.Percentile(99));
        Assert.Equal(100, h.Percentile(100));
        Assert.Equal(1, h.Percentile(0));
        Assert.Equal(100, h.Max);
        Assert.Equal(1, h.Min);
    }

    [Fact]
    public void LargeValues_WithinOnePercent_AndNeverAboveMax()
    {
        var h = new LatencyHistogram();
        var values = new List<long>();
        var random = new Random(42);
        for (int i = 0; i < 100_000; i++)
        {
            long v = (long)Math.Exp(random.NextDouble() * Math.Log(10_000_000));
            values.Add(v);
            h.Record(v);
        }
        values.Sort();
        foreach (double p in new[] { 50.0, 90, 95, 99, 99.9 })
        {
            long exact = values[(int)Math.Ceiling(p / 100 * values.Count) - 1];
            long got = h.Percentile(p);
            Assert.InRange(got, exact, Math.Max(exact + 1, (long)(exact * 1.008) + 1));
        }
        Assert.Equal(values[^1], h.Percentile(100));
    }

    [Fact]
    public void BucketIndex_IsMonotonic_AndUpperBoundContainsValue()
    {
        int last = -1;
        for (long v = 0; v < 5_000_000; v += 1 + (v / 100))
        {
            int index = LatencyHistogram.IndexOf(v);
            Assert.True(index >= last);
            Assert.True(LatencyHistogram.UpperBound(index) >= v, $"v={v} index={index}");
            if (index > 0) Assert.True(LatencyHistogram.UpperBound(index - 1) < v, $"v={v}");
            last = index;
        }
    }

    [Fact]
    public void Merge_AddsCounts()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        for (int i = 0; i < 10; i++) a.Record(10);
        for (int i = 0; i < 10; i++) b.Record(1000);
        a.Add(b);
        Assert.Equal(20, a.Count);
        Assert.Equal(10, a.Percentile(50));
        Assert.InRange(a.Percentile(51), 1000, 1008);
        Assert.Equal(1000, a.Max);
    }

    [Fact]
    public void Empty_ReportsZero() => Assert.Equal(0, new LatencyHistogram().Percentile(99));

    [Fact]
    public void SmallSamplePercentiles_NearestRank()
    {
        double[] joins = [30, 10, 20, 50, 40];
        Assert.Equal(30, Percentiles.Of(joins, 50));
        Assert.Equal(50, Percentiles.Of(joins, 95));
        Assert.Equal(10, Percentiles.Of(joins, 1));
        Assert.True(double.IsNaN(Percentiles.Of([], 50)));
    }
}
