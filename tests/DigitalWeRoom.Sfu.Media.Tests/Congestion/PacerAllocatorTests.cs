using DigitalWeRoom.Sfu.Media.Congestion;

namespace DigitalWeRoom.Sfu.Media.Tests.Congestion;

public sealed class PacerTests
{
    [Fact]
    public void Sends_at_one_and_a_half_times_the_estimate()
    {
        var pacer = new Pacer<int>(1000, 800_000); // 1.2 Mbit/s = 150 bytes/ms
        long now = 0;
        int sentBytes = 0;
        int next = 0;
        for (; now < 1_000_000; now += 1000)
        {
            while (pacer.Count < 100) pacer.Enqueue(next++, 1000, out _);
            while (pacer.TryDequeue(now, out _)) sentBytes += 1000;
        }
        // 1 s at 150,000 B/s plus the initial burst allowance (50 ms worth: 7,500 B).
        Assert.InRange(sentBytes, 154_000, 160_000);
    }

    [Fact]
    public void Late_wake_ups_while_backlogged_keep_the_average_rate_but_an_idle_pacer_bursts_no_more_than_50_ms()
    {
        var pacer = new Pacer<int>(1000, 800_000); // 150 bytes/ms
        long now = 0;
        int sentBytes = 0;
        int next = 0;
        // A starved timer: the sender wakes only every 100 ms, always with packets waiting.
        for (; now < 1_000_000; now += 100_000)
        {
            while (pacer.Count < 500) pacer.Enqueue(next++, 1000, out _);
            while (pacer.TryDequeue(now, out _)) sentBytes += 1000;
        }
        // 0.9 s elapsed between the first and the last wake-up at 150 B/ms, plus the first 50 ms burst; without the
        // backlog credit it would be 10 bursts of 7,500 B.
        Assert.InRange(sentBytes, 140_000, 146_000);

        // Drained and idle for 1 s: the next burst is one 50 ms allowance (7,500 B), not a second's credit.
        while (pacer.TryDequeueUnpaced(out _)) { }
        now += 1_000;
        Assert.False(pacer.TryDequeue(now, out _)); // refill while empty
        now += 1_000_000;
        for (int i = 0; i < 10; i++) pacer.Enqueue(i, 1000, out _);
        int burst = 0;
        while (pacer.TryDequeue(now, out _)) burst++;
        Assert.Equal(7, burst);
    }

    [Fact]
    public void Queue_is_bounded_and_hands_back_the_oldest()
    {
        var pacer = new Pacer<int>(3, 100_000);
        Assert.True(pacer.Enqueue(1, 100, out _));
        Assert.True(pacer.Enqueue(2, 100, out _));
        Assert.True(pacer.Enqueue(3, 100, out _));
        Assert.False(pacer.Enqueue(4, 100, out int dropped));
        Assert.Equal(1, dropped);
        Assert.Equal(3, pacer.Count);
        Assert.True(pacer.TryDequeue(0, out int first));
        Assert.Equal(2, first);
    }

    [Fact]
    public void Reports_the_delay_until_the_next_send()
    {
        var pacer = new Pacer<int>(8, 80_000); // 15 bytes/ms, burst 1500 B minimum
        Assert.Equal(-1, pacer.DelayUntilNext(0));
        pacer.Enqueue(1, 1500, out _);
        pacer.Enqueue(2, 1500, out _);
        Assert.True(pacer.TryDequeue(0, out _));
        Assert.False(pacer.TryDequeue(0, out _));
        long delay = pacer.DelayUntilNext(0);
        Assert.InRange(delay, 99_000, 101_000);
        Assert.True(pacer.TryDequeue(delay, out int second));
        Assert.Equal(2, second);
    }
}

public sealed class LayerAllocatorTests
{
    private static readonly double[] Simulcast = [150_000, 500_000, 1_500_000];

    private static int[] Allocate(double budget, params TrackDemand[] tracks)
    {
        var layers = new int[tracks.Length];
        var scratch = new int[tracks.Length];
        double used = LayerAllocator.Allocate(budget, tracks, layers, scratch);
        Assert.True(used <= budget || layers.All(l => l <= 0));
        return layers;
    }

    [Fact]
    public void Audio_first_then_speaker_then_larger_tiles()
    {
        var audio = new TrackDemand(true, false, 0, [40_000], 0);
        var small = new TrackDemand(false, false, 160 * 90, Simulcast, 2);
        var large = new TrackDemand(false, false, 1280 * 720, Simulcast, 2);
        var speaker = new TrackDemand(false, true, 320 * 180, Simulcast, 2);

        // 2.2 Mbit/s: audio 40k, base layers 450k, speaker to the top (+1.35M) leaves 320k: large rises one (+350k? no: 360k left), small stays.
        Assert.Equal([0, 0, 1, 2], Allocate(2_200_000, audio, small, large, speaker));
        // Plenty: everyone gets what the tile warrants.
        Assert.Equal([0, 2, 2, 2], Allocate(10_000_000, audio, small, large, speaker));
        // Only enough for audio and two base layers: speaker and the large tile.
        Assert.Equal([0, -1, 0, 0], Allocate(400_000, audio, small, large, speaker));
        // Starved: audio still allocated.
        Assert.Equal([0, -1, -1, -1], Allocate(100_000, audio, small, large, speaker));
    }

    [Fact]
    public void Pinned_comes_after_the_speaker_and_before_larger_tiles()
    {
        var audio = new TrackDemand(true, false, 0, [40_000], 0);
        var large = new TrackDemand(false, false, 1280 * 720, Simulcast, 2);
        var pinned = new TrackDemand(false, false, 160 * 90, Simulcast, 2) { IsPinned = true };
        var speaker = new TrackDemand(false, true, 160 * 90, Simulcast, 2);

        // Room for audio and two base layers: speaker, then pinned; the large tile is paused.
        Assert.Equal([0, -1, 0, 0], Allocate(350_000, audio, large, pinned, speaker));
        // Raising follows the same order: the pinned one goes up before the large tile.
        Assert.Equal([0, 0, 1, 2], Allocate(40_000 + 450_000 + 1_350_000 + 350_000, audio, large, pinned, speaker));
    }

    [Fact]
    public void A_video_paused_for_bandwidth_needs_its_lowest_layer_with_the_resume_margin()
    {
        var paused = new TrackDemand(false, false, 320 * 180, Simulcast, 2) { IsBandwidthPaused = true };
        var flowing = paused with { IsBandwidthPaused = false };
        Assert.Equal([-1], Allocate(150_000 * LayerAllocator.ResumeMargin - 1, paused));
        Assert.Equal([0], Allocate(150_000 * LayerAllocator.ResumeMargin, paused));
        Assert.Equal([0], Allocate(150_000, flowing));
    }

    [Fact]
    public void Tile_size_caps_the_layer_and_unwanted_video_is_paused()
    {
        var thumbnail = new TrackDemand(false, false, 160 * 90, Simulcast, 0);
        var hidden = new TrackDemand(false, false, 0, Simulcast, -1);
        Assert.Equal([0, -1], Allocate(10_000_000, thumbnail, hidden));
    }
}

public sealed class PacerPriorityTests
{
    [Fact]
    public void Audio_enqueued_after_a_queued_video_burst_leaves_first()
    {
        var pacer = new Pacer<int>(100, 400_000); // 600 kbit/s = 75 bytes/ms, burst 3,750 B
        long now = 0;
        for (int i = 0; i < 20; i++) pacer.Enqueue(i, 1200, out _); // a key-frame burst of video
        for (int i = 0; i < 3; i++)
        {
            Assert.True(pacer.TryDequeue(now, out int first));
            Assert.Equal(i, first);
        }
        Assert.False(pacer.TryDequeue(now, out _)); // the rest of the video waits for budget (150 B left)

        pacer.Enqueue(1000, 100, priority: true, out _);
        Assert.Equal(0, pacer.DelayUntilNext(now));
        Assert.True(pacer.TryDequeue(now, out int next));
        Assert.Equal(1000, next); // the audio packet, at once, ahead of 19 waiting video packets
        Assert.False(pacer.TryDequeue(now, out _));
        Assert.Equal(17, pacer.Count);

        // The audio bytes were charged: the next video packet waits a little longer than without it.
        long delay = pacer.DelayUntilNext(now);
        // 1,150 B missing at 75 B/ms: 15.3 ms (without the audio, 14 ms).
        Assert.InRange(delay, 15_300, 15_400);
        now += delay;
        Assert.True(pacer.TryDequeue(now, out int video));
        Assert.Equal(3, video);
    }

    [Fact]
    public void Priority_ring_is_bounded_and_audio_debt_is_at_most_one_burst()
    {
        var pacer = new Pacer<int>(16, 400_000); // priority ring: 16
        for (int i = 0; i < 20; i++)
        {
            bool kept = pacer.Enqueue(i, 600, priority: true, out int dropped);
            Assert.Equal(i < 16, kept);
            if (!kept) Assert.Equal(i - 16, dropped);
        }
        Assert.Equal(16, pacer.PriorityCount);
        pacer.Enqueue(500, 1200, out _);
        int audio = 0;
        while (pacer.TryDequeue(0, out int item) && item != 500) audio++;
        Assert.Equal(16, audio);
        // 9,600 B of audio from a 3,750 B burst: the debt stops at one burst, so the video waits (1,200 + 3,750) B at
        // 75 B/ms = 66 ms, not the 94 ms the whole audio debt would cost.
        Assert.InRange(pacer.DelayUntilNext(0), 65_000, 66_100);
    }
}
