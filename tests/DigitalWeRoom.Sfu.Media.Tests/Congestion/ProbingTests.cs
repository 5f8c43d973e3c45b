using DigitalWeRoom.Sfu.Media.Congestion;
using DigitalWeRoom.Sfu.Protocols.Rtcp;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Media.Tests.Congestion;

public sealed class ProbeControllerTests
{
    [Fact]
    public void A_cluster_starts_when_wanted_and_not_when_congested_or_satisfied_or_too_soon()
    {
        var probes = new ProbeController();
        Assert.False(probes.TryStart(100_000, 400_000, congested: true, 0, out _));
        Assert.False(probes.TryStart(100_000, 105_000, congested: false, 0, out _)); // within the 10 % margin
        Assert.True(probes.TryStart(100_000, 400_000, congested: false, 0, out var cluster));
        Assert.Equal(200_000, cluster.RateBps); // 2 × the estimate
        Assert.True(cluster.Packets >= 5);
        // At least 15 ms long at the probe rate.
        Assert.True(cluster.Packets * cluster.SpacingMicros >= 15_000, $"{cluster.Packets} × {cluster.SpacingMicros} µs");
        Assert.InRange(cluster.PacketBytes * 8_000_000.0 / cluster.SpacingMicros, 195_000, 200_000);

        // Not again while it is sent, nor within the interval after it.
        Assert.False(probes.TryStart(100_000, 400_000, congested: false, 10_000, out _));
        Drain(probes, 0);
        Assert.False(probes.TryStart(100_000, 400_000, congested: false, 999_999, out _));
        Assert.True(probes.TryStart(100_000, 400_000, congested: false, 1_000_000, out _));
    }

    [Fact]
    public void The_probe_rate_goes_no_further_than_a_tenth_above_what_is_wanted()
    {
        var probes = new ProbeController();
        Assert.True(probes.TryStart(100_000, 150_000, congested: false, 0, out var cluster));
        Assert.Equal(165_000, cluster.RateBps, 1);
    }

    [Fact]
    public void Packets_come_at_the_cluster_spacing_and_stop_after_the_cluster()
    {
        var probes = new ProbeController();
        Assert.True(probes.TryStart(1_000_000, 3_000_000, congested: false, 0, out var cluster));
        long now = 0;
        var sendTimes = new List<long>();
        while (true)
        {
            if (probes.TryNextPacket(now, out int id, out int size, out long nextDue))
            {
                Assert.Equal(cluster.Id, id);
                Assert.Equal(cluster.PacketBytes, size);
                sendTimes.Add(now);
                if (nextDue < 0) break;
                continue;
            }
            Assert.True(nextDue > now);
            now = nextDue;
        }
        Assert.Equal(cluster.Packets, sendTimes.Count);
        for (int i = 1; i < sendTimes.Count; i++) Assert.Equal(cluster.SpacingMicros, sendTimes[i] - sendTimes[i - 1]);
        Assert.False(probes.IsSending);
        Assert.False(probes.TryNextPacket(now + 1_000_000, out _, out _, out long after));
        Assert.Equal(-1, after);
    }

    [Fact]
    public void Clusters_are_bounded_in_rate_and_size_and_back_off_after_useless_probes()
    {
        var options = new ProbeOptions();
        var probes = new ProbeController(options);
        Assert.True(probes.TryStart(20_000_000, 50_000_000, congested: false, 0, out var cluster));
        Assert.Equal(options.MaxRateBps, cluster.RateBps);
        Assert.Equal(options.MaxPackets, cluster.Packets);
        probes.Abort(0); // not sent here

        // A probe that found nothing doubles the interval up to the maximum; a useful one resets it.
        for (int i = 0; i < 10; i++) probes.OnResult(100_000, 100_000, 0);
        Assert.Equal(options.MaxIntervalMicros, probes.IntervalMicros);
        probes.OnResult(200_000, 100_000, 0);
        Assert.Equal(options.MinIntervalMicros, probes.IntervalMicros);

        // Abort (congestion) ends the cluster being sent and restarts the interval.
        Assert.True(probes.TryStart(100_000, 400_000, congested: false, 10_000_000, out _));
        Assert.True(probes.TryNextPacket(10_000_000, out _, out _, out _));
        probes.Abort(10_001_000);
        Assert.False(probes.IsSending);
        Assert.False(probes.TryStart(100_000, 400_000, congested: false, 10_500_000, out _));
    }

    [Fact]
    public void A_gain_that_congestion_soon_follows_counts_as_a_probe_that_found_nothing()
    {
        var options = new ProbeOptions();
        var probes = new ProbeController(options);
        // Two probes found nothing: 4 s between probes.
        probes.OnResult(100_000, 100_000, 0);
        probes.OnResult(100_000, 100_000, 0);
        Assert.Equal(4 * options.MinIntervalMicros, probes.IntervalMicros);

        // A token bucket's burst lets the next cluster through: a gain resets the interval...
        probes.OnResult(300_000, 100_000, 10_000_000);
        Assert.Equal(options.MinIntervalMicros, probes.IntervalMicros);
        // ...but the layers it allowed meet loss 1.5 s later: the gain was not capacity, the interval doubles from 4 s.
        probes.OnCongestion(11_500_000);
        Assert.Equal(8 * options.MinIntervalMicros, probes.IntervalMicros);
        // Once only: further congestion of the same episode does not double it again.
        probes.OnCongestion(11_600_000);
        Assert.Equal(8 * options.MinIntervalMicros, probes.IntervalMicros);

        // A gain that holds past GainHoldsMicros stays a gain.
        probes.OnResult(300_000, 100_000, 20_000_000);
        probes.OnCongestion(20_000_000 + options.GainHoldsMicros);
        Assert.Equal(options.MinIntervalMicros, probes.IntervalMicros);
    }

    private static void Drain(ProbeController probes, long now)
    {
        while (probes.IsSending)
        {
            if (!probes.TryNextPacket(now, out _, out _, out long next)) now = next;
        }
    }
}

public sealed class AimdDecreaseTests
{
    [Fact]
    public void Over_use_while_application_limited_decreases_gently_and_at_most_once_a_second()
    {
        var aimd = new AimdRateControl(300_000, 10_000, 10_000_000);
        // Only audio flows (50 kbit/s sent and acknowledged) under a 300 kbit/s estimate.
        double rate = aimd.Update(BandwidthUsage.Overusing, 50_000, 0, sentBps: 50_000);
        Assert.Equal(255_000, rate, 1); // 0.85 × the estimate, not 0.85 × 50 kbit/s
        Assert.Equal(255_000, aimd.Update(BandwidthUsage.Overusing, 50_000, 100, sentBps: 50_000), 1);
        Assert.Equal(255_000, aimd.Update(BandwidthUsage.Overusing, 50_000, 900, sentBps: 50_000), 1);
        Assert.Equal(216_750, aimd.Update(BandwidthUsage.Overusing, 50_000, 1000, sentBps: 50_000), 1);
        Assert.Equal(2, aimd.GentleDecreases);
    }

    [Fact]
    public void Over_use_while_the_link_is_full_still_decreases_to_085_of_the_acknowledged_rate()
    {
        var aimd = new AimdRateControl(400_000, 10_000, 10_000_000);
        // Sending 400 kbit/s, the link carries 250 kbit/s.
        Assert.Equal(212_500, aimd.Update(BandwidthUsage.Overusing, 250_000, 0, sentBps: 400_000), 1);
        // No sent rate known (older callers): as before.
        var plain = new AimdRateControl(400_000, 10_000, 10_000_000);
        Assert.Equal(42_500, plain.Update(BandwidthUsage.Overusing, 50_000, 0), 1);
        Assert.Equal(0, plain.GentleDecreases);
    }

    [Fact]
    public void A_probe_result_holds_the_estimate_above_one_and_a_half_times_the_acknowledged_rate_for_a_while()
    {
        var aimd = new AimdRateControl(100_000, 10_000, 10_000_000);
        aimd.Update(BandwidthUsage.Normal, 60_000, 0, 60_000);
        Assert.True(aimd.Estimate <= 90_000);
        Assert.Equal(250_000, aimd.OnProbe(250_000, 100));
        Assert.True(aimd.Update(BandwidthUsage.Normal, 60_000, 200, 60_000) >= 250_000);
        // After the hold, the increase cap applies again.
        Assert.True(aimd.Update(BandwidthUsage.Normal, 60_000, 100 + AimdRateControl.ProbeHoldMs + 1, 60_000) <= 90_000);
    }
}

/// <summary>
/// An application-limited subscriber (audio only, 64 kbit/s) on a 300 kbit/s bottleneck whose allocation wants
/// 400 kbit/s (a paused video): probes must lift the estimate towards the capacity, with no loss, and stay bounded.
/// </summary>
public sealed class ProbingSimulationTests(ITestOutputHelper output)
{
    private const double Capacity = 300_000;

    [Fact]
    public void Good_probe_feedback_raises_the_estimate_towards_the_capacity()
    {
        var withProbes = Simulate(probe: true, wantedBps: 400_000, seconds: 10, out var probes, out double peak);
        var without = Simulate(probe: false, wantedBps: 400_000, seconds: 10, out _, out double peakWithout);
        output.WriteLine($"300 kbit/s link, 64 kbit/s audio, start 60 kbit/s: with probes estimate {withProbes.Estimate / 1000:F0} kbit/s (peak {peak / 1000:F0}), "
            + $"{probes.Clusters} clusters, {probes.Packets} probe packets, last probe {withProbes.LastProbeBps / 1000:F0} kbit/s; without probes {without.Estimate / 1000:F0} kbit/s (peak {peakWithout / 1000:F0})");
        Assert.True(peakWithout < 110_000, $"{peakWithout}");
        Assert.InRange(withProbes.Estimate, 200_000, Capacity * 1.3);
        Assert.True(withProbes.ProbeResults >= 2);
    }

    [Fact]
    public void No_probe_without_demand_and_probes_stay_bounded()
    {
        Simulate(probe: true, wantedBps: 50_000, seconds: 10, out var idle, out _);
        Assert.Equal(0, idle.Clusters);

        Simulate(probe: true, wantedBps: 5_000_000, seconds: 30, out var busy, out _);
        output.WriteLine($"30 s wanting 5 Mbit/s over 300 kbit/s: {busy.Clusters} clusters, {busy.Packets} packets, interval now {busy.IntervalMicros / 1000} ms");
        Assert.InRange(busy.Clusters, 3, 30); // at most one a second, fewer once probes stop finding more
        Assert.True(busy.Packets <= busy.Clusters * busy.Options.MaxPackets);
        // Probe bytes are a small share of the link: under 10 % of 30 s at capacity.
        Assert.True(busy.Packets * busy.Options.PacketBytes * 8 < 0.1 * Capacity * 30, $"{busy.Packets} packets");
    }

    private static SendSideBandwidthEstimator Simulate(bool probe, double wantedBps, int seconds, out ProbeController probes, out double peak)
    {
        var estimator = new SendSideBandwidthEstimator(new BandwidthEstimatorOptions { InitialBps = 60_000, MinBps = 30_000 });
        probes = new ProbeController();
        var pending = new List<TwccArrival>();
        var rtcp = new byte[4096];
        byte feedbackCount = 0;
        ushort sequence = 0;
        long linkFreeAt = 0;
        long nextAudio = 0;
        long nextFeedback = 50_000;
        peak = 0;
        for (long now = 0; now < seconds * 1_000_000L; now += 250)
        {
            if (now >= nextAudio)
            {
                Send(160, 0);
                nextAudio += 20_000;
            }
            while (probes.TryNextPacket(now, out int cluster, out int size, out _))
            {
                Send(size, cluster);
            }
            if (now >= nextFeedback)
            {
                long before = estimator.ProbeResults;
                double estimateBefore = estimator.Estimate;
                LinkSimulator.DeliverFeedback(estimator, pending, now, rtcp, ref feedbackCount);
                if (estimator.ProbeResults != before) probes.OnResult(estimator.LastProbeBps, estimateBefore, now);
                bool congested = estimator.Usage != BandwidthUsage.Normal;
                if (probe && probes.TryStart(estimator.Estimate, wantedBps, congested, now, out var c))
                {
                    estimator.BeginProbe(c.Id, c.Packets);
                }
                peak = Math.Max(peak, estimator.Estimate);
                nextFeedback += 50_000;
            }

            void Send(int size, int cluster)
            {
                ushort seq = sequence++;
                estimator.OnPacketSent(seq, now, size, cluster);
                long start = Math.Max(now, linkFreeAt);
                linkFreeAt = start + (long)(size * 8 * 1_000_000.0 / Capacity);
                pending.Add(new TwccArrival(seq, linkFreeAt + 20_000));
            }
        }
        return estimator;
    }
}
