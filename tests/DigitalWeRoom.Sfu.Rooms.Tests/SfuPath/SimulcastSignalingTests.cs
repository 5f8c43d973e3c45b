using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Rooms.SfuPath;

namespace DigitalWeRoom.Sfu.Rooms.Tests.SfuPath;

public sealed class DynacastLayersTests
{
    private const long F = 1000; // ms ticks

    [Fact]
    public void Starts_with_every_layer_turns_on_at_once_and_off_only_after_the_delay_and_keeps_the_lowest()
    {
        var d = new DynacastLayers(3, TimeSpan.FromSeconds(2), F);
        Assert.Equal(0b111, d.Active);
        Assert.False(d.OnNeeded(0b100, 0)); // q and h unneeded but still inside the delay
        Assert.Equal(0b111, d.Active);
        Assert.False(d.Tick(1999));
        Assert.True(d.Tick(2000));
        Assert.Equal(0b101, d.Active); // h off, q always on, f needed
        Assert.True(d.OnNeeded(0b010, 2100)); // h needed again: on at once
        Assert.Equal(0b111, d.Active);
        Assert.True(d.Tick(4100)); // f unneeded for 2 s
        Assert.Equal(0b011, d.Active);
        Assert.False(d.OnNeeded(0, 4200)); // h unneeded from now: still on for 2 s
        Assert.False(d.Tick(6199));
        Assert.True(d.Tick(6200));
        Assert.Equal(0b001, d.Active);
    }

    [Fact]
    public void A_layer_needed_again_inside_the_delay_never_turns_off()
    {
        var d = new DynacastLayers(3, TimeSpan.FromSeconds(2), F);
        d.OnNeeded(0b001, 0);
        d.OnNeeded(0b100, 1000);
        Assert.True(d.Tick(2500)); // h unneeded since 0: off; f stays
        Assert.Equal(0b101, d.Active);
        d.OnNeeded(0b001, 2600);
        d.OnNeeded(0b100, 3000); // f flaps back within the delay
        Assert.False(d.Tick(6000));
        Assert.Equal(0b101, d.Active);
    }
}

public sealed class SimulcastSignalingTests
{
    [Theory]
    [InlineData("p1-1", 640, 360, true)]
    [InlineData("p1-1", 0, 0, true)]
    [InlineData("", 640, 360, false)]
    [InlineData("p1-1", -1, 360, false)]
    [InlineData("p1-1", 640, 16385, false)]
    [InlineData(null, 640, 360, false)]
    public void Video_size_is_validated(string? trackId, int width, int height, bool valid)
    {
        var message = new SignalMessage { Type = MessageTypes.VideoSize, TrackId = trackId, Width = width, Height = height };
        Assert.Equal(valid, SignalingValidator.TryValidate(message, 1000, out var code, out _));
        if (!valid)
        {
            Assert.Equal(ErrorCodes.InvalidField, code);
        }
    }

    [Fact]
    public void Video_size_without_dimensions_and_an_over_long_track_id_are_rejected()
    {
        Assert.False(SignalingValidator.TryValidate(new SignalMessage { Type = MessageTypes.VideoSize, TrackId = "x" }, 1000, out _, out _));
        Assert.False(SignalingValidator.TryValidate(new SignalMessage { Type = MessageTypes.VideoSize, TrackId = new string('x', 129), Width = 1, Height = 1 }, 1000, out _, out _));
        Assert.False(SignalingValidator.TryValidate(new SignalMessage { Type = MessageTypes.VideoSize, TrackId = "a\u0001", Width = 1, Height = 1 }, 1000, out _, out _));
    }

    [Theory]
    [InlineData(SignalEncoding.Json)]
    [InlineData(SignalEncoding.MessagePack)]
    public void Layers_and_video_size_round_trip_through_the_codec(SignalEncoding encoding)
    {
        var layers = new SignalMessage { Type = MessageTypes.Layers, TrackId = "p1-1", Active = ["q", "f"] };
        Assert.True(SignalingCodec.TryDecode(SignalingCodec.Encode(layers, encoding), encoding, out var back, out _));
        Assert.Equal("p1-1", back.TrackId);
        Assert.Equal(["q", "f"], back.Active!);
        var size = new SignalMessage { Type = MessageTypes.VideoSize, TrackId = "p1-1", Width = 320, Height = 180 };
        Assert.True(SignalingCodec.TryDecode(SignalingCodec.Encode(size, encoding), encoding, out back, out _));
        Assert.Equal((320, 180), (back.Width, back.Height));
    }

    [Theory]
    [InlineData(new[] { "q", "h", "f" }, true)]
    [InlineData(new[] { "q" }, false)]
    [InlineData(new[] { "q", "q" }, false)]
    [InlineData(new[] { "q", "h-1" }, false)]
    public void Simulcast_settings_are_validated(string[] rids, bool valid) =>
        Assert.Equal(valid, new SimulcastSettings { Rids = rids }.Validate() is null);
}
