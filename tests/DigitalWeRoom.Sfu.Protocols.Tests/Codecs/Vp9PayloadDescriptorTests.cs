using DigitalWeRoom.Sfu.Protocols.Codecs;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Codecs;

public class Vp9PayloadDescriptorTests
{
    [Fact]
    public void Non_flexible_key_frame_with_layers_and_scalability_structure()
    {
        // I=1 P=0 L=1 F=0 B=1 E=0 V=1: 0xAA; PictureID 15-bit 0x0102; TID 0 U=0 SID 0 D=0; TL0PICIDX 9;
        // SS: N_S=0 (1 layer) Y=1 G=1 -> 0x18, 640x360, N_G=1, one picture TID 0 U 0 R=1 -> 0x04, P_DIFF 1.
        byte[] payload = Hex.Bytes("AA 8102 00 09 18 02800168 01 04 01 FF");
        Assert.True(Vp9PayloadDescriptor.TryParse(payload, out Vp9PayloadDescriptor d, out _));
        Assert.True(d.HasPictureId && d.PictureIdIs15Bit);
        Assert.Equal(0x0102, d.PictureId);
        Assert.Equal(0, d.SpatialLayerId);
        Assert.Equal(9, d.Tl0PicIdx);
        Assert.Equal(4, d.Tl0PicIdxOffset);
        Assert.True(d.HasScalabilityStructure);
        Assert.Equal(payload.Length - 1, d.Length);
        Assert.True(d.IsKeyFrame);
    }

    [Fact]
    public void Flexible_mode_with_reference_indices_is_not_a_key_frame()
    {
        // I=1 P=1 L=1 F=1 B=1: 0xF8; PictureID 7-bit 5; TID 1 U=1 SID 1 D=1 -> 0x33; two P_DIFFs (N=1 then N=0).
        byte[] payload = Hex.Bytes("F8 05 33 03 04 AA");
        Assert.True(Vp9PayloadDescriptor.TryParse(payload, out Vp9PayloadDescriptor d, out _));
        Assert.True(d.FlexibleMode && d.InterPicturePredicted);
        Assert.Equal(5, d.PictureId);
        Assert.Equal(1, d.TemporalLayerId);
        Assert.True(d.SwitchingUpPoint);
        Assert.Equal(1, d.SpatialLayerId);
        Assert.True(d.InterLayerDependency);
        Assert.Equal(2, d.ReferenceCount);
        Assert.Equal(5, d.Length);
        Assert.False(d.IsKeyFrame);
    }

    [Fact]
    public void Upper_spatial_layer_of_a_key_picture_is_not_the_switch_point()
    {
        // P=0 B=1 but SID=1.
        Assert.True(Vp9PayloadDescriptor.TryParse(Hex.Bytes("28 02 00 AA"), out Vp9PayloadDescriptor d, out _));
        Assert.Equal(1, d.SpatialLayerId);
        Assert.False(d.IsKeyFrame);
        Assert.True(Vp9PayloadDescriptor.TryParse(Hex.Bytes("08 AA"), out d, out _));
        Assert.True(d.IsKeyFrame); // no layer indices: SID 0
    }

    [Theory]
    [InlineData("", (int)DropReason.Truncated)]
    [InlineData("80", (int)DropReason.Truncated)]
    [InlineData("80 80", (int)DropReason.Truncated)]
    [InlineData("20 00", (int)DropReason.Truncated)] // non-flexible L without TL0PICIDX
    [InlineData("50 01 01 01 01 AA", (int)DropReason.Malformed)] // four P_DIFFs
    [InlineData("0A 10 0280", (int)DropReason.Truncated)] // SS resolution cut short
    [InlineData("08", (int)DropReason.Truncated)]
    public void Rejects(string hex, int expected)
    {
        Assert.False(Vp9PayloadDescriptor.TryParse(Hex.Bytes(hex), out _, out DropReason reason));
        Assert.Equal((DropReason)expected, reason);
    }
}
