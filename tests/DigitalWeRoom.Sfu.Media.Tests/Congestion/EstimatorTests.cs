using DigitalWeRoom.Sfu.Media.Congestion;
using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Media.Tests.Congestion;

public sealed class EstimatorTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData(500_000)]
    [InlineData(1_500_000)]
    [InlineData(4_000_000)]
    public void Converges_near_the_bottleneck_capacity(double capacity)
    {
        var estimator = NewEstimator(initial: 1_000_000);
        var link = new LinkSimulator(estimator, seed: 7) { CapacityBps = capacity };
        var samples = new List<double>();
        for (int second = 0; second < 30; second++)
        {
            link.Run(1_000_000);
            samples.Add(estimator.Estimate);
        }
        output.WriteLine($"capacity {capacity / 1000:F0} kbit/s: estimate per second (kbit/s) {string.Join(' ', samples.Select(x => (x / 1000).ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))}");
        double lastTen = samples.Skip(20).Average();
        Assert.InRange(lastTen, 0.5 * capacity, 1.3 * capacity);
    }

    private static SendSideBandwidthEstimator NewEstimator(double initial = 500_000) =>
        new(new BandwidthEstimatorOptions { InitialBps = initial, MinBps = 50_000, MaxBps = 10_000_000 });

    [Fact]
    public void Constant_delay_lets_the_rate_rise()
    {
        var estimator = NewEstimator();
        var link = new LinkSimulator(estimator) { CapacityBps = 100_000_000 };
        link.Run(10_000_000);
        Assert.True(estimator.Estimate > 1_000_000, $"estimate {estimator.Estimate}");
        Assert.NotEqual(BandwidthUsage.Overusing, estimator.Usage);
        Assert.True(estimator.FeedbacksProcessed > 90);
    }

    [Fact]
    public void Growing_delay_over_a_bottleneck_makes_the_rate_fall_to_about_capacity()
    {
        var estimator = NewEstimator(initial: 3_000_000);
        var link = new LinkSimulator(estimator) { CapacityBps = 800_000 };
        link.Run(15_000_000);
        Assert.True(estimator.Estimate < 1_100_000, $"estimate {estimator.Estimate}");
        Assert.True(estimator.Estimate > 300_000, $"estimate {estimator.Estimate}");
    }

    [Fact]
    public void Twenty_percent_loss_decreases_and_recovery_increases()
    {
        var estimator = NewEstimator(initial: 2_000_000);
        var link = new LinkSimulator(estimator) { CapacityBps = 100_000_000, Loss = 0.2 };
        link.Run(1_000_000);
        Assert.True(estimator.Estimate < 1_900_000, $"no decrease within a second of 20 % loss: {estimator.Estimate}");
        link.Run(5_000_000);
        Assert.InRange(estimator.LossFraction, 0.1, 0.3);
        double lossy = estimator.Estimate;
        // Windows of ≥ 200 packets (≥ 50 when 20 % or more are lost): about one ×0.9 step a second at this rate.
        Assert.True(lossy < 1_200_000, $"estimate after 6 s of 20 % loss {lossy}");

        link.Loss = 0;
        link.Run(10_000_000);
        Assert.True(estimator.Estimate > 2 * lossy, $"recovered {estimator.Estimate} from {lossy}");
    }

    [Fact]
    public void Five_percent_random_loss_is_not_read_as_congestion()
    {
        // Wi-Fi-like random loss below the 10 % decrease threshold: the estimate must not walk down over a call
        // (with 50-packet loss windows it did, one window in twenty reading over 10 %, until video was paused).
        // What the congestion gate (which caps layers and pauses videos) sees: closed loss windows over 10 %.
        var estimator = NewEstimator(initial: 1_500_000);
        var link = new LinkSimulator(estimator) { CapacityBps = 100_000_000, Loss = 0.05 };
        int windows = 0, overThreshold = 0;
        link.AfterFeedback = () =>
        {
            if (!estimator.LossWindowClosed) return;
            windows++;
            if (estimator.LossFraction > 0.10) overThreshold++;
        };
        link.Run(30_000_000);
        Assert.True(windows > 10, $"only {windows} loss windows closed");
        Assert.True(overThreshold == 0, $"{overThreshold} of {windows} loss windows read over 10 % at 5 % random loss");
        Assert.True(estimator.Estimate >= 1_500_000, $"estimate after 30 s of 5 % random loss {estimator.Estimate}");
    }

    [Fact]
    public void Remb_is_the_estimate_without_feedback_and_a_cap_with_it()
    {
        var estimator = NewEstimator();
        Assert.Equal(400_000, estimator.OnRemb(400_000, 1_000_000));
        Assert.Equal(3_000_000, estimator.OnRemb(3_000_000, 1_100_000));

        var link = new LinkSimulator(estimator) { CapacityBps = 100_000_000 };
        link.Run(2_000_000);
        estimator.OnRemb(300_000, link.NowMicros);
        Assert.Equal(300_000, estimator.Estimate);
        link.Run(1_000_000); // feedback keeps coming; the recent REMB still caps
        Assert.True(estimator.Estimate <= 300_000);
    }

    [Fact]
    public void Feedback_for_unknown_packets_changes_nothing()
    {
        var estimator = NewEstimator();
        var rtcp = new byte[256];
        int length = TransportWideFeedback.Write(rtcp, 1, 2, 0, [new TwccArrival(500, 1_000_000), new TwccArrival(502, 1_010_000)], out _);
        Assert.True(TransportWideFeedback.TryParse(rtcp.AsSpan(0, length), out var feedback, out _));
        Assert.Equal(500_000, estimator.OnTransportFeedback(feedback, 2_000_000));
        Assert.Equal(0, estimator.FeedbacksProcessed);
    }
}

public sealed class TrendlineTests
{
    [Fact]
    public void Steadily_growing_delay_is_overuse_and_flat_delay_is_normal()
    {
        var flat = new TrendlineEstimator();
        for (int i = 0; i < 100; i++) flat.Update(20, 20, i * 20);
        Assert.Equal(BandwidthUsage.Normal, flat.State);

        var growing = new TrendlineEstimator();
        bool overuse = false;
        for (int i = 0; i < 100; i++) overuse |= growing.Update(25, 20, i * 25) == BandwidthUsage.Overusing;
        Assert.True(overuse);

        var shrinking = new TrendlineEstimator();
        bool underuse = false;
        for (int i = 0; i < 100; i++) underuse |= shrinking.Update(15, 20, i * 15) == BandwidthUsage.Underusing;
        Assert.True(underuse);
    }
}

public sealed class LossBasedTests
{
    [Fact]
    public void Follows_the_draft_thresholds()
    {
        var loss = new LossBasedEstimator(1_000_000, 10_000, 10_000_000);
        Assert.Equal(1_050_000, loss.Update(0.01), 3);
        Assert.Equal(1_050_000, loss.Update(0.05), 3);
        Assert.Equal(1_050_000 * 0.9, loss.Update(0.2), 3);
    }
}

public sealed class EstimatorRobustnessTests
{
    [Fact]
    public void Random_and_bit_flipped_feedback_never_throws_and_keeps_the_estimate_in_bounds()
    {
        var random = new Random(4);
        var bandwidth = new SubscriberBandwidth(5, new BandwidthEstimatorOptions { InitialBps = 500_000, MinBps = 50_000, MaxBps = 10_000_000 });
        for (ushort s = 0; s < 2000; s++) bandwidth.Estimator.OnPacketSent(s, s * 1000L, 1200);
        var arrivals = Enumerable.Range(0, 60).Select(i => new TwccArrival((ushort)(i * 2), 1_000_000 + (i * 1500L))).ToArray();
        var valid = new byte[1024];
        int length = TransportWideFeedback.Write(valid, 1, 2, 0, arrivals, out _);
        var variant = new byte[1024];
        int parsed = 0;
        for (int n = 0; n < 100_000; n++)
        {
            int len = length;
            valid.AsSpan(0, length).CopyTo(variant);
            switch (n % 3)
            {
                case 0:
                    variant[random.Next(len)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    len = random.Next(len + 1);
                    break;
                default:
                    random.NextBytes(variant.AsSpan(4, len - 4));
                    break;
            }
            if (TransportWideFeedback.TryParse(variant.AsSpan(0, len), out _, out _)) parsed++;
            bandwidth.OnTransportFeedback(variant.AsSpan(0, len), 2_000_000 + n);
            Assert.InRange(bandwidth.Estimate, 50_000, 10_000_000);
        }
        Assert.True(parsed > 1000);
    }
}
