using DigitalWeRoom.Sfu.Protocols.Codecs;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Codecs;

public class Av1AggregationHeaderTests
{
    [Fact]
    public void Reads_z_y_w_n()
    {
        // Z=0 Y=1 W=2 N=1: 0110 1000.
        Assert.True(Av1AggregationHeader.TryParse(Hex.Bytes("68 0A"), out Av1AggregationHeader h, out _));
        Assert.Equal(new Av1AggregationHeader(false, true, 2, true), h);
        Assert.True(h.IsKeyFrame);
        Assert.True(Av1AggregationHeader.TryParse(Hex.Bytes("80 0A"), out h, out _));
        Assert.True(h.ContinuesPreviousObu);
        Assert.False(h.IsKeyFrame);
        Assert.False(Av1AggregationHeader.TryParse(Hex.Bytes("08"), out _, out DropReason reason));
        Assert.Equal(DropReason.Truncated, reason);
    }
}
