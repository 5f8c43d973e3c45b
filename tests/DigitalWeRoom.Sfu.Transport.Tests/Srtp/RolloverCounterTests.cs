using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

/// <summary>RFC 3711 Appendix A index guessing.</summary>
public sealed class RolloverCounterTests
{
    [Theory]
    [InlineData(0x0_0010UL, 0x0011, 0x0_0011L)] // Next packet, same ROC.
    [InlineData(0x0_FFF0UL, 0x0005, 0x1_0005L)] // Wrapped forward: ROC + 1.
    [InlineData(0x1_0005UL, 0xFFF0, 0x0_FFF0L)] // Late packet from before the wrap: ROC - 1.
    [InlineData(0x3_8000UL, 0x0000, 0x3_0000L)] // s_l = 2^15 exactly: 0 is behind, not ahead.
    [InlineData(0x3_8001UL, 0x0000, 0x4_0000L)] // s_l - 2^15 > SEQ: ahead into ROC + 1.
    [InlineData(0x3_7FFFUL, 0xFFFF, 0x3_FFFFL)] // SEQ - s_l = 2^15 exactly: same ROC.
    [InlineData(0x3_7FFEUL, 0xFFFF, 0x2_FFFFL)] // SEQ - s_l > 2^15: ROC - 1.
    [InlineData(0x0_0005UL, 0xFFF0, -1L)] // Would need ROC -1: before the stream began.
    public void Estimates_index(ulong highest, int seq, long expected) =>
        Assert.Equal(expected, RolloverCounter.EstimateIndex(highest, (ushort)seq));
}
