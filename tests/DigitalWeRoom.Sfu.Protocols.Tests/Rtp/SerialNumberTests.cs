using DigitalWeRoom.Sfu.Protocols.Rtp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Rtp;

public class SerialNumberTests
{
    [Theory]
    [InlineData(1, 0, true)]
    [InlineData(0, 65535, true)] // wraps
    [InlineData(65535, 0, false)]
    [InlineData(100, 100, false)]
    [InlineData(32767, 0, true)]
    [InlineData(32768, 0, false)] // exactly half: undefined in RFC 1982, "not newer" here
    [InlineData(0, 32768, false)]
    [InlineData(5, 65500, true)]
    public void IsNewer_16(int a, int b, bool expected) => Assert.Equal(expected, SerialNumber.IsNewer((ushort)a, (ushort)b));

    [Theory]
    [InlineData(0u, 0xFFFFFFFFu, true)]
    [InlineData(0xFFFFFFFFu, 0u, false)]
    [InlineData(0x7FFFFFFFu, 0u, true)]
    [InlineData(0x80000000u, 0u, false)]
    public void IsNewer_32(uint a, uint b, bool expected) => Assert.Equal(expected, SerialNumber.IsNewer(a, b));

    [Theory]
    [InlineData(0, 65535, 1)]
    [InlineData(65535, 0, -1)]
    [InlineData(10, 5, 5)]
    [InlineData(32768, 0, -32768)]
    [InlineData(100, 65436, 200)]
    public void Diff_16(int a, int b, int expected) => Assert.Equal(expected, SerialNumber.Diff((ushort)a, (ushort)b));

    [Fact]
    public void Diff_32_wraps()
    {
        Assert.Equal(2, SerialNumber.Diff(1u, 0xFFFFFFFFu));
        Assert.Equal(-2, SerialNumber.Diff(0xFFFFFFFFu, 1u));
        Assert.Equal(65535, SerialNumber.Max(65535, 65534));
        Assert.Equal(0, SerialNumber.Max(65535, 0));
    }

    [Fact]
    public void Unwrap_across_65535_to_0_and_reordering()
    {
        var unwrapper = new SequenceUnwrapper();
        Assert.Equal(65534, unwrapper.Unwrap(65534));
        Assert.Equal(65535, unwrapper.Unwrap(65535));
        Assert.Equal(65536, unwrapper.Unwrap(0));
        Assert.Equal(65537, unwrapper.Unwrap(1));
        Assert.Equal(65535, unwrapper.Unwrap(65535)); // late packet from before the wrap
        Assert.Equal(65538, unwrapper.Unwrap(2));
        Assert.Equal(65538 + 30000, unwrapper.Peek(30002));
    }

    [Fact]
    public void Unwrap_many_cycles_is_monotonic()
    {
        var unwrapper = new SequenceUnwrapper();
        long expected = 40000;
        ushort seq = 40000;
        Assert.Equal(expected, unwrapper.Unwrap(seq));
        for (int i = 0; i < 5 * 65536; i += 997)
        {
            seq += 997;
            expected += 997;
            Assert.Equal(expected, unwrapper.Unwrap(seq));
        }
        Assert.True(unwrapper.Last > 5 * 65536);
    }

    [Fact]
    public void Unwrap_backwards_before_start_goes_negative()
    {
        var unwrapper = new SequenceUnwrapper();
        Assert.Equal(0, unwrapper.Unwrap(0));
        Assert.Equal(-1, unwrapper.Unwrap(65535));
    }
}
