using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Srtp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Srtp;

public sealed class ReplayWindowTests
{
    [Fact]
    public void Empty_window_accepts_anything()
    {
        var window = default(ReplayWindow);
        Assert.Equal(DropReason.None, window.Check(0));
        Assert.Equal(DropReason.None, window.Check(ulong.MaxValue >> 16));
    }

    [Fact]
    public void Sliding_forgets_old_bits_and_keeps_recent_ones()
    {
        var window = default(ReplayWindow);
        window.Commit(10);
        window.Commit(12);
        Assert.Equal(DropReason.SrtpReplay, window.Check(10));
        Assert.Equal(DropReason.None, window.Check(11));

        // Advance by less than the window: 10 and 12 stay known, the slid-over range is clear.
        window.Commit(1000);
        Assert.Equal(DropReason.SrtpReplay, window.Check(10));
        Assert.Equal(DropReason.SrtpReplay, window.Check(12));
        Assert.Equal(DropReason.None, window.Check(500));

        // 1033 - 10 = 1023 keeps 10 inside; 1034 pushes it out.
        window.Commit(1033);
        Assert.Equal(DropReason.SrtpReplay, window.Check(10));
        window.Commit(1034);
        Assert.Equal(DropReason.SrtpTooOld, window.Check(10));
        Assert.Equal(DropReason.SrtpReplay, window.Check(1000));

        // A slot reused by the ring (1000 + 1024 = 2024) must not look like a replay of 1000.
        window.Commit(2024);
        Assert.Equal(DropReason.SrtpTooOld, window.Check(1000));
        Assert.Equal(DropReason.SrtpReplay, window.Check(2024));
        Assert.Equal(DropReason.SrtpReplay, window.Check(1034));
        Assert.Equal(DropReason.None, window.Check(2023));
    }

    [Fact]
    public void Big_jump_clears_everything()
    {
        var window = default(ReplayWindow);
        window.Commit(5);
        window.Commit(5 + 100_000);
        Assert.Equal(DropReason.SrtpTooOld, window.Check(5));
        Assert.Equal(DropReason.None, window.Check(5 + 100_000 - 1));
        Assert.Equal(DropReason.None, window.Check(5 + 100_000 - 1023));
    }
}
