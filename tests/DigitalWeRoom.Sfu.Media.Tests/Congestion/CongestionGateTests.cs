using DigitalWeRoom.Sfu.Media.Congestion;

namespace DigitalWeRoom.Sfu.Media.Tests.Congestion;

public sealed class CongestionGateTests
{
    private const long Second = 1_000_000;

    [Fact]
    public void Loss_limits_at_once_and_the_cap_is_lifted_after_a_quiet_hold()
    {
        var gate = new CongestionGate(initialHoldMicros: 4 * Second, maxHoldMicros: 16 * Second);
        Assert.False(gate.IsLimited);
        Assert.False(gate.OnFeedback(BandwidthUsage.Normal, 0.05, 0)); // 5 % loss is not congestion
        Assert.True(gate.OnFeedback(BandwidthUsage.Normal, 0.30, Second));
        Assert.True(gate.IsLimited);
        Assert.False(gate.OnFeedback(BandwidthUsage.Normal, 0, 4 * Second)); // 3 s quiet < 4 s hold
        Assert.True(gate.OnFeedback(BandwidthUsage.Normal, 0, 5 * Second));
        Assert.False(gate.IsLimited);
        Assert.Equal(1, gate.Limitations);
    }

    [Fact]
    public void Short_overuse_is_ignored_but_held_overuse_limits()
    {
        var gate = new CongestionGate(sustainedOveruseMicros: 500_000);
        long t = 0;
        for (; t < 400_000; t += 100_000) Assert.False(gate.OnFeedback(BandwidthUsage.Overusing, 0, t));
        Assert.False(gate.OnFeedback(BandwidthUsage.Normal, 0, t)); // a blip on a loaded machine
        for (t += 100_000; t <= 1_100_000; t += 100_000) gate.OnFeedback(BandwidthUsage.Overusing, 0, t);
        Assert.True(gate.IsLimited);
    }

    [Fact]
    public void Congestion_soon_after_a_release_doubles_the_hold_up_to_the_maximum_and_a_lasting_release_resets_it()
    {
        var gate = new CongestionGate(initialHoldMicros: 4 * Second, maxHoldMicros: 16 * Second);
        long t = 0;
        var holds = new List<long>();
        for (int round = 0; round < 4; round++)
        {
            gate.OnFeedback(BandwidthUsage.Normal, 0.5, t); // congestion: limited
            holds.Add(gate.HoldMicros);
            t += gate.HoldMicros;
            Assert.True(gate.OnFeedback(BandwidthUsage.Normal, 0, t)); // released after the hold
            t += Second; // the probe up fails a second later
        }
        Assert.Equal([4 * Second, 8 * Second, 16 * Second, 16 * Second], holds);
        t += 60 * Second; // a release that lasted
        gate.OnFeedback(BandwidthUsage.Normal, 0.5, t);
        Assert.Equal(4 * Second, gate.HoldMicros);
    }
}

public sealed class BitrateMeterTests
{
    [Fact]
    public void Measures_bits_per_second_over_half_second_samples()
    {
        var meter = new BitrateMeter();
        const long f = 1000; // ms ticks
        Assert.Equal(0, meter.Sample(0, 0, f));
        Assert.Equal(0, meter.Sample(10_000, 100, f)); // < 0.5 s: no new sample
        Assert.Equal(160_000, meter.Sample(10_000, 500, f)); // 10 kB in 0.5 s
        Assert.Equal(120_000, meter.Sample(15_000, 1000, f)); // average of 160k and 80k
        Assert.Equal(60_000, meter.Sample(15_000, 1500, f)); // stream stopped: decays
    }
}

public sealed class Vp8KeyFrameSizeTests
{
    [Fact]
    public void Reads_width_and_height_from_the_first_packet_of_a_key_frame_only()
    {
        // Descriptor X=1,S=1,PID 0 / I=1 (15-bit picture id), then frame tag (key frame: bit 0 = 0), start code, 1280x720.
        byte[] key = [0x90, 0x80, 0x80, 0x05, 0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x00, 0x05, 0xD0, 0x02];
        Assert.True(DigitalWeRoom.Sfu.Media.Streams.KeyFrameDetector.TryReadVp8Size(key, out int w, out int h));
        Assert.Equal((1280, 720), (w, h));
        byte[] withScale = [.. key];
        withScale[11] |= 0xC0; // scaling bits are not part of the size
        Assert.True(DigitalWeRoom.Sfu.Media.Streams.KeyFrameDetector.TryReadVp8Size(withScale, out w, out _));
        Assert.Equal(1280, w);
        byte[] delta = [.. key];
        delta[4] = 0x11; // frame tag bit 0 = 1: inter frame
        Assert.False(DigitalWeRoom.Sfu.Media.Streams.KeyFrameDetector.TryReadVp8Size(delta, out _, out _));
        byte[] badStart = [.. key];
        badStart[7] = 0x9C;
        Assert.False(DigitalWeRoom.Sfu.Media.Streams.KeyFrameDetector.TryReadVp8Size(badStart, out _, out _));
        Assert.False(DigitalWeRoom.Sfu.Media.Streams.KeyFrameDetector.TryReadVp8Size(key.AsSpan(0, 12), out _, out _));
    }
}
