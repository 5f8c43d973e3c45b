using DigitalWeRoom.Sfu.Protocols.Codecs;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Codecs;

public class H264KeyFrameTests
{
    [Theory]
    [InlineData("65 88 84", true)] // single NAL, IDR (5)
    [InlineData("67 42 C0 1F", true)] // single NAL, SPS (7)
    [InlineData("41 9A", false)] // single NAL, non-IDR slice (1)
    [InlineData("68 CE", false)] // PPS (8)
    [InlineData("18 0002 6742 0002 68CE 0003 658884", true)] // STAP-A with SPS, PPS, IDR
    [InlineData("18 0002 4142", false)] // STAP-A with a non-IDR slice
    [InlineData("7C 85 88 84", true)] // FU-A start of IDR
    [InlineData("7C 05 88 84", false)] // FU-A continuation of IDR
    [InlineData("7C 41 88", false)] // FU-A end of non-IDR
    [InlineData("19 0000", false)] // STAP-B (interleaved), not inspected
    public void Detects_key_frames(string hex, bool keyFrame)
    {
        Assert.True(H264KeyFrame.TryParse(Hex.Bytes(hex), out bool isKeyFrame, out DropReason reason));
        Assert.Equal(DropReason.None, reason);
        Assert.Equal(keyFrame, isKeyFrame);
    }

    [Theory]
    [InlineData("", (int)DropReason.Truncated)]
    [InlineData("E5 00", (int)DropReason.Malformed)] // forbidden bit
    [InlineData("00 00", (int)DropReason.Malformed)] // type 0
    [InlineData("1E 00", (int)DropReason.Malformed)] // type 30
    [InlineData("18", (int)DropReason.Truncated)]
    [InlineData("18 00", (int)DropReason.Truncated)]
    [InlineData("18 0005 6742", (int)DropReason.Malformed)] // NAL size past the end
    [InlineData("18 0000", (int)DropReason.Malformed)] // zero-size NAL
    [InlineData("7C 85", (int)DropReason.Truncated)]
    [InlineData("7C C5 88", (int)DropReason.Malformed)] // S and E both set
    public void Rejects(string hex, int expected)
    {
        Assert.False(H264KeyFrame.TryParse(Hex.Bytes(hex), out _, out DropReason reason));
        Assert.Equal((DropReason)expected, reason);
    }
}
