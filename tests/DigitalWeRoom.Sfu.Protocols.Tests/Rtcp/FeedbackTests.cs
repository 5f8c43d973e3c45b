using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Rtcp;

public class FeedbackTests
{
    [Fact]
    public void Nack_hand_computed_vector()
    {
        // Lost 100, 101, 103, 116 -> PID 100, BLP bits 0, 2, 15 = 0x8005; 117 is 17 after 100 -> a second item.
        byte[] buffer = new byte[64];
        int length = TransportLayerNack.Write(buffer, 0x11111111, 0x22222222, [100, 101, 103, 116, 117]);
        Assert.Equal(Hex.Bytes("81CD0004 11111111 22222222 00648005 00750000"), buffer[..length]);

        Assert.True(TransportLayerNack.TryParse(buffer.AsSpan(0, length), out TransportLayerNack nack, out _));
        Assert.Equal((0x11111111u, 0x22222222u, 2), (nack.SenderSsrc, nack.MediaSsrc, nack.ItemCount));
        Assert.Equal(new NackItem(100, 0x8005), nack.GetItem(0));
        Assert.Equal(5, nack.LostCount);
        ushort[] lost = new ushort[nack.LostCount];
        Assert.Equal(5, nack.CopyLostSequenceNumbers(lost));
        Assert.Equal(new ushort[] { 100, 101, 103, 116, 117 }, lost);
    }

    [Fact]
    public void Nack_across_the_wrap_is_one_item()
    {
        byte[] buffer = new byte[64];
        int length = TransportLayerNack.Write(buffer, 1, 2, [65534, 65535, 0, 1]);
        Assert.Equal(Hex.Bytes("FFFE0007"), buffer[12..length]);
        Assert.Equal(1, TransportLayerNack.CountItems([65534, 65535, 0, 1, 1]));
        Assert.Equal(0, TransportLayerNack.Write(buffer, 1, 2, []));
    }

    [Fact]
    public void Nack_round_trip_of_random_loss_sets()
    {
        var random = new Random(4585);
        byte[] buffer = new byte[1500];
        ushort[] expanded = new ushort[400];
        for (int round = 0; round < 200; round++)
        {
            ushort start = (ushort)random.Next(65536);
            var lost = new List<ushort>();
            ushort seq = start;
            for (int i = 0; i < random.Next(1, 100); i++)
            {
                seq += (ushort)random.Next(1, 30);
                lost.Add(seq);
            }
            int length = TransportLayerNack.Write(buffer, 7, 8, lost.ToArray());
            Assert.True(TransportLayerNack.TryParse(buffer.AsSpan(0, length), out TransportLayerNack nack, out _));
            int n = nack.CopyLostSequenceNumbers(expanded);
            Assert.Equal(lost, expanded[..n]);
        }
    }

    [Fact]
    public void Nack_without_items_is_rejected()
    {
        Assert.False(TransportLayerNack.TryParse(Hex.Bytes("81CD0002 00000001 00000002"), out _, out DropReason reason));
        Assert.Equal(DropReason.RtcpBadLength, reason);
    }

    [Fact]
    public void Pli_vector_and_round_trip()
    {
        byte[] buffer = new byte[12];
        Assert.Equal(12, PictureLossIndication.Write(buffer, 0xA, 0xB));
        Assert.Equal(Hex.Bytes("81CE0002 0000000A 0000000B"), buffer);
        Assert.True(PictureLossIndication.TryParse(buffer, out PictureLossIndication pli, out _));
        Assert.Equal(new PictureLossIndication(0xA, 0xB), pli);
        Assert.Equal(0, PictureLossIndication.Write(buffer.AsSpan(0, 11), 1, 2));
    }

    [Fact]
    public void Fir_round_trip()
    {
        byte[] buffer = new byte[64];
        int length = FullIntraRequest.Write(buffer, 0xA, [new FirEntry(0xB, 7), new FirEntry(0xC, 255)]);
        Assert.Equal(Hex.Bytes("84CE0006 0000000A 00000000 0000000B 07000000 0000000C FF000000"), buffer[..length]);
        Assert.True(FullIntraRequest.TryParse(buffer.AsSpan(0, length), out FullIntraRequest fir, out _));
        Assert.Equal(0xAu, fir.SenderSsrc);
        Assert.Equal(0u, fir.MediaSsrc);
        Assert.Equal(2, fir.EntryCount);
        Assert.Equal(new FirEntry(0xC, 255), fir.GetEntry(1));
        Assert.False(PictureLossIndication.TryParse(buffer.AsSpan(0, length), out _, out _));
    }

    [Fact]
    public void Remb_hand_computed_vector()
    {
        // 1,000,000 bps: 2^19 < 1e6 < 2^20, so exp 2 and mantissa 250,000 (0x3D090) fit in 18 bits.
        Assert.Equal((2, 250_000u), ReceiverEstimatedMaxBitrate.Encode(1_000_000));
        byte[] buffer = new byte[64];
        int length = ReceiverEstimatedMaxBitrate.Write(buffer, 0x5, 1_000_000, [0xABCDu]);
        Assert.Equal(Hex.Bytes("8FCE0005 00000005 00000000 52454D42 010BD090 0000ABCD"), buffer[..length]);
        Assert.True(ReceiverEstimatedMaxBitrate.TryParse(buffer.AsSpan(0, length), out ReceiverEstimatedMaxBitrate remb, out _));
        Assert.Equal(1_000_000UL, remb.Bitrate);
        Assert.Equal(1, remb.SsrcCount);
        Assert.Equal(0xABCDu, remb.GetSsrc(0));
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(262_143UL)]
    [InlineData(262_144UL)]
    [InlineData(2_500_000_000UL)]
    [InlineData(ulong.MaxValue)]
    public void Remb_encoding_keeps_18_significant_bits(ulong bitrate)
    {
        byte[] buffer = new byte[64];
        int length = ReceiverEstimatedMaxBitrate.Write(buffer, 1, bitrate, [1u, 2u, 3u]);
        Assert.True(ReceiverEstimatedMaxBitrate.TryParse(buffer.AsSpan(0, length), out ReceiverEstimatedMaxBitrate remb, out _));
        Assert.True(remb.Bitrate <= bitrate);
        Assert.True(bitrate - remb.Bitrate <= bitrate >> 17, $"{remb.Bitrate} vs {bitrate}");
        Assert.Equal(3, remb.SsrcCount);
    }

    [Fact]
    public void Remb_with_huge_exponent_saturates_and_wrong_identifier_is_rejected()
    {
        byte[] packet = Hex.Bytes("8FCE0004 00000005 00000000 52454D42 00FFFFFF");
        Assert.True(ReceiverEstimatedMaxBitrate.TryParse(packet, out ReceiverEstimatedMaxBitrate remb, out _));
        Assert.Equal(ulong.MaxValue, remb.Bitrate);
        packet[12] = (byte)'X';
        Assert.False(ReceiverEstimatedMaxBitrate.TryParse(packet, out _, out DropReason reason));
        Assert.Equal(DropReason.RtcpUnknownType, reason);
        // Num SSRC 2 but no SSRC listed.
        Assert.False(ReceiverEstimatedMaxBitrate.TryParse(Hex.Bytes("8FCE0004 00000005 00000000 52454D42 02000001"), out _, out reason));
        Assert.Equal(DropReason.RtcpBadLength, reason);
    }
}
