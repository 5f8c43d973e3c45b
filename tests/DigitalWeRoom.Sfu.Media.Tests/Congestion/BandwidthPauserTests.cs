using DigitalWeRoom.Sfu.Media.Congestion;

namespace DigitalWeRoom.Sfu.Media.Tests.Congestion;

public sealed class BandwidthPauserTests
{
    private static readonly double[] Q = [100_000, 500_000, 1_500_000];
    private const long Second = 1_000_000;

    /// <summary>Audio + three videos (speaker, pinned, plain), each wanting the top layer; drives allocator + pauser like MediaTransport.</summary>
    private sealed class Subscriber
    {
        public readonly TrackDemand[] Tracks =
        [
            new(true, false, 0, [50_000], 0),
            new(false, false, 320 * 180, Q, 2),
            new(false, false, 320 * 180, Q, 2) { IsPinned = true },
            new(false, true, 320 * 180, Q, 2),
        ];

        public readonly int[] Layers = new int[4];
        public readonly int[] Current = [int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue];
        public readonly bool[] Paused = new bool[4];
        public readonly long[] Since = new long[4];
        public readonly BandwidthPauser Pauser = new();
        private readonly int[] _order = new int[4];

        public bool Run(double budget, long now)
        {
            LayerAllocator.Allocate(budget, Tracks, Layers, _order, out int videos);
            bool changed = Pauser.Apply(budget, Tracks, Layers, _order.AsSpan(0, videos), Current, Paused, Since, now);
            for (int i = 0; i < Tracks.Length; i++)
            {
                Tracks[i] = Tracks[i] with { IsBandwidthPaused = Paused[i] };
                if (!Tracks[i].IsAudio) Current[i] = Math.Max(0, Layers[i]);
            }
            return changed;
        }
    }

    [Fact]
    public void Videos_whose_lowest_layer_does_not_fit_are_paused_lowest_priority_first_and_audio_never()
    {
        var s = new Subscriber();
        // 300 kbit/s: audio 50k, then the speaker's q (100k) and the pinned one's q (100k); the plain one does not fit.
        Assert.True(s.Run(300_000, 0));
        Assert.Equal([0, -1, 0, 0], s.Layers);
        Assert.Equal([false, true, false, false], s.Paused);
        // 160 kbit/s: only the speaker's q.
        Assert.True(s.Run(160_000, Second / 10));
        Assert.Equal([0, -1, -1, 0], s.Layers);
        // 10 kbit/s: every video paused, audio still allocated and never paused.
        s.Run(10_000, Second / 5);
        Assert.Equal([0, -1, -1, -1], s.Layers);
        Assert.False(s.Paused[0]);
        Assert.Equal(3, s.Pauser.Pauses);
    }

    [Fact]
    public void A_paused_video_needs_the_margin_the_minimum_pause_and_comes_back_one_at_a_time_in_priority_order()
    {
        var s = new Subscriber();
        s.Run(60_000, 0); // all three paused
        Assert.Equal([true, true, true], s.Paused[1..]);

        // Plenty, but not yet MinPause (3 s) since the pause: still paused.
        Assert.False(s.Run(10_000_000, 2 * Second));
        Assert.Equal([true, true, true], s.Paused[1..]);

        // 170 kbit/s leaves 120k after audio: one lowest layer (100k) would fit, but not with the margin (125k).
        Assert.False(s.Run(170_000, 3 * Second + Second / 2));
        Assert.Equal([0, -1, -1, -1], s.Layers);

        // Room for more: one resume (the speaker first), at its lowest layer.
        Assert.True(s.Run(1_000_000, 4 * Second));
        Assert.Equal([0, -1, -1, 0], s.Layers);
        // Within ResumeInterval (3 s) of that resume: no second one, even with room for it.
        Assert.False(s.Run(1_000_000, 6 * Second));
        Assert.Equal([true, true, false], s.Paused[1..]);
        // Then the pinned one, then the plain one.
        Assert.True(s.Run(1_000_000, 7 * Second));
        Assert.Equal([true, false, false], s.Paused[1..]);
        Assert.True(s.Run(1_000_000, 10 * Second));
        Assert.Equal([false, false, false], s.Paused[1..]);
        Assert.Equal(3, s.Pauser.Resumes);
    }

    [Fact]
    public void An_unlimited_budget_probes_with_one_lowest_layer_at_a_time_and_holds_the_flowing_videos_meanwhile()
    {
        var s = new Subscriber();
        s.Run(300_000, 0); // plain one paused, the other two on q
        Assert.Equal([0, -1, 0, 0], s.Layers);

        // The congestion gate lifts the cap (+∞) before MinPause: the flowing videos stay at q, the paused one stays paused.
        s.Run(double.PositiveInfinity, Second);
        Assert.Equal([0, -1, 0, 0], s.Layers);

        // After MinPause: the paused one comes back at q, and for one ResumeInterval it has the headroom to itself.
        Assert.True(s.Run(double.PositiveInfinity, 3 * Second));
        Assert.Equal([0, 0, 0, 0], s.Layers);
        s.Run(double.PositiveInfinity, 5 * Second);
        Assert.Equal([0, 0, 0, 0], s.Layers);

        // Nothing paused and the probe is an interval old: the unlimited budget raises everyone to the tile's layer.
        s.Run(double.PositiveInfinity, 6 * Second);
        Assert.Equal([0, 2, 2, 2], s.Layers);
    }

    [Fact]
    public void A_video_no_longer_wanted_leaves_the_bandwidth_pause()
    {
        var s = new Subscriber();
        s.Run(200_000, 0);
        Assert.True(s.Paused[1]);
        s.Tracks[1] = s.Tracks[1] with { MaxLayer = -1 }; // hidden tile or last-N
        Assert.True(s.Run(200_000, Second));
        Assert.False(s.Paused[1]);
        Assert.Equal(-1, s.Layers[1]);
    }
}
