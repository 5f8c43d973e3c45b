namespace DigitalWeRoom.Sfu.LoadTest.Stats;

/// <summary>Nearest-rank percentiles of a small sample (join times, per-round figures).</summary>
internal static class Percentiles
{
    public static double Of(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }
        double[] sorted = [.. values];
        Array.Sort(sorted);
        int rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    public static double Median(IReadOnlyList<double> values) => Of(values, 50);
}
