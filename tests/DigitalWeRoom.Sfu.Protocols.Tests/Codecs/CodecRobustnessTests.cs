using DigitalWeRoom.Sfu.Protocols.Codecs;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Codecs;

public class CodecRobustnessTests
{
    [Fact]
    public void Vp8_variants()
    {
        byte[][] seeds = [Hex.Bytes("10 5042009D012A"), Hex.Bytes("B0 F0 9234 56 A5 00"), Hex.Bytes("90 90 7F 1F 01"), Hex.Bytes("90 10 1F 01")];
        (int accepted, int rejected) = Robustness.Run(seeds, 100_000, seed: 7741, (ReadOnlySpan<byte> input, out DropReason reason) =>
        {
            bool ok = Vp8PayloadDescriptor.TryParse(input, out Vp8PayloadDescriptor d, out reason);
            if (ok && (d.Length >= input.Length || (d.HasPictureId && d.PictureIdOffset >= d.Length) || (d.HasTl0PicIdx && d.Tl0PicIdxOffset >= d.Length)))
            {
                Assert.Fail("offsets outside the descriptor");
            }
            return ok;
        });
        Assert.True(accepted > 1000 && rejected > 1000, $"{accepted}/{rejected}");
    }

    [Fact]
    public void Vp9_variants()
    {
        byte[][] seeds = [Hex.Bytes("AA 8102 00 09 18 02800168 01 04 01 FF"), Hex.Bytes("F8 05 33 03 04 AA"), Hex.Bytes("28 02 00 AA"), Hex.Bytes("8A 05 38 00020003 00040005 02 04 05 10 AA")];
        (int accepted, int rejected) = Robustness.Run(seeds, 100_000, seed: 9628, (ReadOnlySpan<byte> input, out DropReason reason) =>
        {
            bool ok = Vp9PayloadDescriptor.TryParse(input, out Vp9PayloadDescriptor d, out reason);
            if (ok && d.Length >= input.Length)
            {
                Assert.Fail("descriptor longer than the payload");
            }
            return ok;
        });
        Assert.True(accepted > 1000 && rejected > 1000, $"{accepted}/{rejected}");
    }

    [Fact]
    public void H264_variants()
    {
        byte[][] seeds = [Hex.Bytes("65 88 84"), Hex.Bytes("18 0002 6742 0002 68CE 0003 658884"), Hex.Bytes("7C 85 88 84"), Hex.Bytes("41 9A 00 11 22")];
        (int accepted, int rejected) = Robustness.Run(seeds, 100_000, seed: 6184, (ReadOnlySpan<byte> input, out DropReason reason) => H264KeyFrame.TryParse(input, out _, out reason));
        Assert.True(accepted > 1000 && rejected > 1000, $"{accepted}/{rejected}");
    }

    [Fact]
    public void Av1_variants()
    {
        byte[][] seeds = [Hex.Bytes("68 0A 0B 0C"), Hex.Bytes("80 0A")];
        (int accepted, int rejected) = Robustness.Run(seeds, 100_000, seed: 1, (ReadOnlySpan<byte> input, out DropReason reason) => Av1AggregationHeader.TryParse(input, out _, out reason));
        Assert.True(accepted > 1000 && rejected > 1000, $"{accepted}/{rejected}");
    }

    [Fact]
    public void Av1_key_frame_variants()
    {
        int keyFrames = 0;
        (int accepted, int rejected) = Robustness.Run(Av1KeyFrameTests.Seeds, 200_000, seed: 9999, (ReadOnlySpan<byte> input, out DropReason reason) =>
        {
            bool ok = Av1KeyFrame.TryParse(input, out bool key, out reason);
            if (!ok && key) Assert.Fail("a rejected payload reported a key frame");
            if (key) keyFrames++;
            return ok;
        });
        Assert.True(accepted > 1000 && rejected > 1000 && keyFrames > 1000, $"{accepted}/{rejected}, {keyFrames} key frames");
    }
}
