using DigitalWeRoom.Sfu.Media.Streams;

namespace DigitalWeRoom.Sfu.Media.Tests.Streams;

public class SequenceRewriterTests
{
    private const long Hz = 1000; // timestamps in ms for readability

    [Fact]
    public void Uninterrupted_IsTransparent_IncludingReorderAndWrap()
    {
        var r = new SequenceRewriter(90000);
        ushort[] input = [65534, 65535, 1, 0, 2];
        foreach (var seq in input)
        {
            Assert.True(r.TryRewrite(seq, 1000u * seq, 0, Hz, out var outSeq, out var outTs));
            Assert.Equal(seq, outSeq);
            Assert.Equal(1000u * seq, outTs);
        }
        Assert.Equal((ushort)2, r.LastOutputSequence);
    }

    [Fact]
    public void Resync_ContinuesAfterLastSent_AndDropsPacketsOfThePreviousRun()
    {
        var r = new SequenceRewriter(90000);
        Assert.True(r.TryRewrite(100, 5000, now: 0, Hz, out _, out _));
        Assert.True(r.TryRewrite(101, 8000, now: 33, Hz, out _, out _));
        r.RequestResync();
        // New source run starts at seq 40000 / ts 7, 100 ms after the last packet: ts advances by 9000 ticks.
        Assert.True(r.TryRewrite(40000, 7, now: 133, Hz, out var s1, out var t1));
        Assert.Equal((ushort)102, s1);
        Assert.Equal(8000u + 9000, t1);
        Assert.True(r.TryRewrite(40001, 3007, now: 166, Hz, out var s2, out var t2));
        Assert.Equal((ushort)103, s2);
        Assert.Equal(8000u + 9000 + 3000, t2);
        // A late packet from before the resync point would duplicate numbers: dropped.
        Assert.False(r.TryRewrite(39999, 1, now: 170, Hz, out _, out _));
    }

    [Fact]
    public void Resync_WithoutElapsedTime_StillAdvancesTimestamp()
    {
        var r = new SequenceRewriter(48000);
        Assert.True(r.TryRewrite(1, 100, now: 5, Hz, out _, out _));
        r.RequestResync();
        Assert.True(r.TryRewrite(9, 900, now: 5, Hz, out var s, out var t));
        Assert.Equal((ushort)2, s);
        Assert.Equal(101u, t);
    }

    [Fact]
    public void GuardStops_FarPastResyncPoint_SoWrapDoesNotDropValidPackets()
    {
        var r = new SequenceRewriter(90000);
        ushort seq = 0;
        for (int i = 0; i < 70_000; i++)
        {
            Assert.True(r.TryRewrite(seq, (uint)i, 0, Hz, out var outSeq, out _));
            Assert.Equal(seq, outSeq);
            seq++;
        }
    }
}

public class RtpStreamReceiverTests
{
    [Fact]
    public void Jitter_FollowsRfc3550A8()
    {
        var rx = new RtpStreamReceiver(1, 8000);
        // Transit alternates 0, 80 units: D = 80 each time after the first. J += (80 - J)/16.
        double j = 0;
        for (int i = 0; i < 50; i++)
        {
            long arrival = i * 160 + (i % 2 == 1 ? 80 : 0);
            rx.Receive((ushort)i, (uint)(i * 160), arrival, 160);
            if (i > 0) j += (80 - j) / 16;
        }
        Assert.InRange(rx.Jitter, (uint)Math.Floor(j) - 1, (uint)Math.Ceiling(j) + 1);
        Assert.Equal(50, rx.PacketsReceived);
        Assert.Equal(50 * 160, rx.OctetsReceived);
    }

    [Fact]
    public void LargeJump_IsResyncedOnlyAfterTwoSequentialPackets()
    {
        var rx = new RtpStreamReceiver(1, 8000);
        for (int i = 0; i < 10; i++) rx.Receive((ushort)i, 0, 0, 10);
        Assert.False(rx.Receive(30000, 0, 0, 10));
        Assert.Equal(9u, rx.ExtendedHighestSequence);
        Assert.True(rx.Receive(30001, 0, 0, 10)); // restart confirmed
        Assert.Equal(30001u, rx.ExtendedHighestSequence);
        var block = rx.BuildReportBlock(0, 1000);
        Assert.Equal(0, block.CumulativeLost);
    }

    [Fact]
    public void ReportBlock_DuplicatesCanMakeLossNegative_Clamped()
    {
        var rx = new RtpStreamReceiver(1, 8000);
        rx.Receive(1, 0, 0, 10);
        rx.Receive(1, 0, 0, 10);
        rx.Receive(2, 0, 0, 10);
        var block = rx.BuildReportBlock(0, 1000);
        Assert.Equal(-1, block.CumulativeLost);
        Assert.Equal(0, block.FractionLost);
    }
}

public class KeyFrameDetectorTests
{
    [Theory]
    [InlineData(new byte[] { 0x10, 0x00 }, true)] // S=1 PID=0, P=0
    [InlineData(new byte[] { 0x10, 0x01 }, false)] // inter frame
    [InlineData(new byte[] { 0x00, 0x00 }, false)] // not start of partition
    [InlineData(new byte[] { 0x90, 0x80, 0x81, 0x23, 0x00 }, true)] // X, I with 15-bit picture id
    [InlineData(new byte[] { 0x90, 0xE0, 0x12, 0x05, 0x40, 0x00 }, true)] // X, I (7-bit), L, T
    [InlineData(new byte[] { 0x90, 0xE0, 0x12, 0x05, 0x40, 0x01 }, false)]
    [InlineData(new byte[] { 0x90, 0x80 }, false)] // truncated
    [InlineData(new byte[0], false)]
    public void Vp8(byte[] payload, bool expected) => Assert.Equal(expected, KeyFrameDetector.IsKeyFrame(CodecKind.Vp8, payload));

    [Theory]
    [InlineData(new byte[] { 0x65, 0x88 }, true)] // IDR slice
    [InlineData(new byte[] { 0x41, 0x9A }, false)] // non-IDR
    [InlineData(new byte[] { 0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE }, true)] // STAP-A with SPS, PPS
    [InlineData(new byte[] { 0x7C, 0x85, 0x00 }, true)] // FU-A start of IDR
    [InlineData(new byte[] { 0x7C, 0x05, 0x00 }, false)] // FU-A continuation
    public void H264(byte[] payload, bool expected) => Assert.Equal(expected, KeyFrameDetector.IsKeyFrame(CodecKind.H264, payload));

    [Theory]
    [InlineData("video/VP8", "Vp8")]
    [InlineData("video/vp9", "Vp9")]
    [InlineData("video/H264", "H264")]
    [InlineData("audio/opus", "Opus")]
    [InlineData("video/rtx", "Other")]
    public void MimeTypes(string mime, string kind) => Assert.Equal(kind, KeyFrameDetector.FromMimeType(mime).ToString());
}
