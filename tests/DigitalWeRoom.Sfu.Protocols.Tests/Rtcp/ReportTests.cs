using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Rtcp;

public class ReportTests
{
    private static readonly ReceptionReport BlockA = new(0xA1A2A3A4, 64, -5, 0x0001FFFF, 300, 0x11223344, 0x00018000);
    private static readonly ReceptionReport BlockB = new(0xB1, 255, 0x7FFFFF, 1, 0, 0, 0);

    [Fact]
    public void SenderReport_round_trip()
    {
        byte[] buffer = new byte[100];
        int length = SenderReport.Write(buffer, 0xCAFE, 0xE1234567_89ABCDEF, 123456, 42, 4200, [BlockA, BlockB]);
        Assert.Equal(28 + 48, length);
        Assert.Equal(Hex.Bytes("82C80012 0000CAFE E1234567 89ABCDEF"), buffer[..16]);
        Assert.True(SenderReport.TryParse(buffer.AsSpan(0, length), out SenderReport sr, out _));
        Assert.Equal((0xCAFEu, 0xE1234567_89ABCDEFUL, 123456u, 42u, 4200u), (sr.Ssrc, sr.NtpTimestamp, sr.RtpTimestamp, sr.PacketCount, sr.OctetCount));
        Assert.Equal(0x456789ABu, sr.CompactNtp);
        Assert.Equal(2, sr.ReportCount);
        Assert.Equal(BlockA, sr.GetReport(0));
        Assert.Equal(BlockB, sr.GetReport(1));
    }

    [Fact]
    public void ReceiverReport_round_trip_and_signed_24_bit_loss()
    {
        byte[] buffer = new byte[100];
        int length = ReceiverReport.Write(buffer, 0x77, [BlockA]);
        Assert.Equal(32, length);
        // Fraction 64, cumulative -5 as 24-bit two's complement FFFFFB.
        Assert.Equal(Hex.Bytes("40FFFFFB"), buffer[12..16]);
        Assert.True(ReceiverReport.TryParse(buffer.AsSpan(0, length), out ReceiverReport rr, out _));
        Assert.Equal(0x77u, rr.Ssrc);
        Assert.Equal(BlockA, rr.GetReport(0));
    }

    [Fact]
    public void Report_count_larger_than_the_packet_is_rejected()
    {
        byte[] packet = Hex.Bytes("82C90001 00000077"); // RC=2 but no blocks
        Assert.False(ReceiverReport.TryParse(packet, out _, out DropReason reason));
        Assert.Equal(DropReason.RtcpBadLength, reason);
    }

    [Fact]
    public void Cumulative_loss_is_clamped_on_write()
    {
        byte[] buffer = new byte[24];
        new ReceptionReport(1, 0, int.MinValue, 0, 0, 0, 0).Write(buffer);
        Assert.Equal(-0x800000, ReceptionReport.Read(buffer).CumulativeLost);
    }

    [Fact]
    public void SourceDescription_cname_vector_and_round_trip()
    {
        byte[] buffer = new byte[100];
        int length = SourceDescription.WriteCname(buffer, [0x01020304u], "ab"u8);
        Assert.Equal(Hex.Bytes("81CA0003 01020304 01026162 00000000"), buffer[..length]);

        length = SourceDescription.WriteCname(buffer, [5u, 6u], "abcd"u8);
        Assert.True(SourceDescription.TryParse(buffer.AsSpan(0, length), out SourceDescription sdes, out _));
        Assert.Equal(2, sdes.ChunkCount);
        var items = new List<(uint, SdesItemType, string)>();
        while (sdes.TryReadNextItem(out uint ssrc, out SdesItemType type, out ReadOnlySpan<byte> text))
        {
            items.Add((ssrc, type, System.Text.Encoding.ASCII.GetString(text)));
        }
        Assert.Equal([(5u, SdesItemType.Cname, "abcd"), (6u, SdesItemType.Cname, "abcd")], items);
    }

    [Fact]
    public void SourceDescription_rejects_missing_chunks_and_overrunning_items()
    {
        Assert.False(SourceDescription.TryParse(Hex.Bytes("82CA0003 01020304 01026162 00000000"), out _, out DropReason reason));
        Assert.Equal(DropReason.Malformed, reason);
        Assert.False(SourceDescription.TryParse(Hex.Bytes("81CA0002 01020304 01096162"), out _, out reason));
        Assert.Equal(DropReason.Malformed, reason);
    }

    [Fact]
    public void Goodbye_round_trip_with_and_without_reason()
    {
        byte[] buffer = new byte[64];
        int length = Goodbye.Write(buffer, [1u, 2u], "bye"u8);
        Assert.Equal(Hex.Bytes("82CB0003 00000001 00000002 03627965"), buffer[..length]);
        Assert.True(Goodbye.TryParse(buffer.AsSpan(0, length), out Goodbye bye, out _));
        Assert.Equal(2, bye.SsrcCount);
        Assert.Equal(2u, bye.GetSsrc(1));
        Assert.Equal("bye"u8.ToArray(), bye.Reason.ToArray());

        length = Goodbye.Write(buffer, [9u]);
        Assert.Equal(8, length);
        Assert.True(Goodbye.TryParse(buffer.AsSpan(0, length), out bye, out _));
        Assert.Equal(9u, bye.GetSsrc(0));
        Assert.True(bye.Reason.IsEmpty);
    }

    [Fact]
    public void ExtendedReport_rrtr_and_dlrr_round_trip()
    {
        byte[] buffer = new byte[100];
        DlrrSubBlock[] dlrr = [new(0xA, 0x12345678, 0x00010000), new(0xB, 1, 2)];
        int length = ExtendedReport.Write(buffer, 0x99, 0xDDCCBBAA_11223344, dlrr);
        Assert.Equal(8 + 12 + 4 + 24, length);
        Assert.Equal(Hex.Bytes("80CF000B 00000099 04000002 DDCCBBAA 11223344 05000006"), buffer[..24]);
        Assert.True(ExtendedReport.TryParse(buffer.AsSpan(0, length), out ExtendedReport xr, out _));
        Assert.Equal(0x99u, xr.Ssrc);
        Assert.True(xr.TryReadNextBlock(out byte type, out ReadOnlySpan<byte> content));
        Assert.Equal(ExtendedReport.ReceiverReferenceTimeBlockType, type);
        Assert.Equal(0xDDCCBBAA_11223344UL, ExtendedReport.ReadReceiverReferenceTime(content));
        Assert.True(xr.TryReadNextBlock(out type, out content));
        Assert.Equal(ExtendedReport.DlrrBlockType, type);
        Assert.Equal(2, ExtendedReport.DlrrSubBlockCount(content));
        Assert.Equal(dlrr[0], ExtendedReport.ReadDlrrSubBlock(content, 0));
        Assert.Equal(dlrr[1], ExtendedReport.ReadDlrrSubBlock(content, 1));
        Assert.False(xr.TryReadNextBlock(out _, out _));

        length = ExtendedReport.Write(buffer, 0x99, null, dlrr.AsSpan(0, 1));
        Assert.True(ExtendedReport.TryParse(buffer.AsSpan(0, length), out xr, out _));
        Assert.True(xr.TryReadNextBlock(out type, out _));
        Assert.Equal(ExtendedReport.DlrrBlockType, type);
        Assert.Equal(0, ExtendedReport.Write(buffer, 0x99, null));
    }

    [Fact]
    public void ExtendedReport_rejects_blocks_that_do_not_tile_the_packet()
    {
        Assert.False(ExtendedReport.TryParse(Hex.Bytes("80CF0003 00000099 04000003 00000000"), out _, out DropReason reason));
        Assert.Equal(DropReason.RtcpBadLength, reason);
        Assert.False(ExtendedReport.TryParse(Hex.Bytes("80CF0003 00000099 04000001 00000000"), out _, out reason));
        Assert.Equal(DropReason.Malformed, reason);
    }
}
