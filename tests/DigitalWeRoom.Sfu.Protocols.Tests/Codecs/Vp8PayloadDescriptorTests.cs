using DigitalWeRoom.Sfu.Protocols.Codecs;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Codecs;

public class Vp8PayloadDescriptorTests
{
    [Fact]
    public void Minimal_descriptor_key_frame()
    {
        // S=1 PID=0, then a key frame tag (P=0, bit 0 of 0x50) and the 9D 01 2A start code.
        Assert.True(Vp8PayloadDescriptor.TryParse(Hex.Bytes("10 5042009D012A"), out Vp8PayloadDescriptor d, out _));
        Assert.Equal(1, d.Length);
        Assert.True(d.IsStartOfFrame);
        Assert.True(d.IsKeyFrame);
        Assert.False(d.HasPictureId);
    }

    [Fact]
    public void Inter_frame_and_non_start_packets_are_not_key_frames()
    {
        Assert.True(Vp8PayloadDescriptor.TryParse(Hex.Bytes("10 01"), out Vp8PayloadDescriptor d, out _));
        Assert.False(d.IsKeyFrame); // P=1
        Assert.True(Vp8PayloadDescriptor.TryParse(Hex.Bytes("00 00"), out d, out _));
        Assert.False(d.IsKeyFrame); // S=0
        Assert.True(Vp8PayloadDescriptor.TryParse(Hex.Bytes("11 00"), out d, out _));
        Assert.False(d.IsKeyFrame); // PID=1
    }

    [Fact]
    public void All_extensions_with_15_bit_picture_id()
    {
        // X=1 N=1 S=1; I L T K; PictureID M=1 0x1234; TL0PICIDX 0x56; TID 2 Y=1 KEYIDX 5.
        byte[] payload = Hex.Bytes("B0 F0 9234 56 A5 00");
        Assert.True(Vp8PayloadDescriptor.TryParse(payload, out Vp8PayloadDescriptor d, out _));
        Assert.True(d.NonReference);
        Assert.True(d.HasPictureId && d.PictureIdIs15Bit);
        Assert.Equal(0x1234, d.PictureId);
        Assert.Equal(2, d.PictureIdOffset);
        Assert.True(d.HasTl0PicIdx);
        Assert.Equal(0x56, d.Tl0PicIdx);
        Assert.Equal(4, d.Tl0PicIdxOffset);
        Assert.True(d.HasTemporalLayerId);
        Assert.Equal(2, d.TemporalLayerId);
        Assert.True(d.LayerSync);
        Assert.True(d.HasKeyIndex);
        Assert.Equal(5, d.KeyIndex);
        Assert.Equal(6, d.Length);
        Assert.True(d.IsKeyFrame);
    }

    [Fact]
    public void Seven_bit_picture_id_and_k_without_t()
    {
        Assert.True(Vp8PayloadDescriptor.TryParse(Hex.Bytes("90 90 7F 1F 01"), out Vp8PayloadDescriptor d, out _));
        Assert.False(d.PictureIdIs15Bit);
        Assert.Equal(0x7F, d.PictureId);
        Assert.False(d.HasTl0PicIdx);
        Assert.Equal(4, d.Length);
        Assert.False(d.HasTemporalLayerId);
        Assert.Equal(0, d.TemporalLayerId);

        Assert.True(Vp8PayloadDescriptor.TryParse(Hex.Bytes("90 10 1F 01"), out d, out _));
        Assert.True(d.HasKeyIndex);
        Assert.Equal(31, d.KeyIndex);
    }

    [Fact]
    public void Rewrites_picture_id_and_tl0picidx_in_place_keeping_the_width()
    {
        byte[] payload = Hex.Bytes("B0 F0 9234 56 A5 00");
        Assert.True(Vp8PayloadDescriptor.TryParse(payload, out Vp8PayloadDescriptor d, out _));
        Assert.True(d.TryWritePictureId(payload, 0x8001)); // wraps to 15 bits
        Assert.True(d.TryWriteTl0PicIdx(payload, 0x99));
        Assert.Equal(Hex.Bytes("B0 F0 8001 99 A5 00"), payload);

        byte[] shortId = Hex.Bytes("90 80 05 00");
        Assert.True(Vp8PayloadDescriptor.TryParse(shortId, out d, out _));
        Assert.True(d.TryWritePictureId(shortId, 0x1FF));
        Assert.Equal(0x7F, shortId[2]);
        Assert.False(d.TryWriteTl0PicIdx(shortId, 1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("90")]
    [InlineData("90 80")]
    [InlineData("90 80 80")]
    [InlineData("90 40")]
    [InlineData("90 20")]
    [InlineData("10")] // descriptor without VP8 data
    public void Truncated_descriptors_are_rejected(string hex)
    {
        Assert.False(Vp8PayloadDescriptor.TryParse(Hex.Bytes(hex), out _, out DropReason reason));
        Assert.Equal(DropReason.Truncated, reason);
    }
}
