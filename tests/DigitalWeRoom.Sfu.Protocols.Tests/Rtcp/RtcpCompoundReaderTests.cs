using DigitalWeRoom.Sfu.Protocols.Rtcp;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Rtcp;

public class RtcpCompoundReaderTests
{
    internal static byte[] BuildCompound()
    {
        byte[] buffer = new byte[512];
        int length = SenderReport.Write(buffer, 0x1111, 0x0102030405060708, 90000, 10, 1000, [new ReceptionReport(0x2222, 25, -3, 70000, 12, 0xAABBCCDD, 65536)]);
        length += SourceDescription.WriteCname(buffer.AsSpan(length), [0x1111u], "user@host"u8);
        length += TransportLayerNack.Write(buffer.AsSpan(length), 0x1111, 0x2222, [1, 2, 40]);
        length += PictureLossIndication.Write(buffer.AsSpan(length), 0x1111, 0x2222);
        return buffer[..length];
    }

    [Fact]
    public void Iterates_every_packet_with_its_header()
    {
        byte[] compound = BuildCompound();
        var reader = new RtcpCompoundReader(compound);
        var types = new List<(RtcpPacketType, byte, int)>();
        while (reader.TryReadNext(out RtcpHeader header, out ReadOnlySpan<byte> packet))
        {
            types.Add((header.PacketType, header.Count, packet.Length));
        }
        Assert.Equal(DropReason.None, reader.Error);
        Assert.Equal(
            [(RtcpPacketType.SenderReport, 1, 52), (RtcpPacketType.SourceDescription, 1, 20), (RtcpPacketType.TransportLayerFeedback, 1, 20), (RtcpPacketType.PayloadSpecificFeedback, 1, 12)],
            types);
        Assert.True(RtcpCompoundReader.Validate(compound, out _));
    }

    [Fact]
    public void Stops_with_a_reason_on_bad_length_version_or_padding()
    {
        byte[] compound = BuildCompound();
        byte[] badLength = (byte[])compound.Clone();
        badLength[52 + 3] = 0x40; // SDES claims 260 bytes
        Assert.False(RtcpCompoundReader.Validate(badLength, out DropReason reason));
        Assert.Equal(DropReason.RtcpBadLength, reason);

        byte[] badVersion = (byte[])compound.Clone();
        badVersion[52] = 0x41;
        Assert.False(RtcpCompoundReader.Validate(badVersion, out reason));
        Assert.Equal(DropReason.RtcpBadVersion, reason);

        Assert.False(RtcpCompoundReader.Validate(compound.AsSpan(0, compound.Length - 2), out reason));
        Assert.Equal(DropReason.RtcpBadLength, reason); // the PLI claims 12 bytes, 10 remain

        Assert.False(RtcpCompoundReader.Validate([.. compound, 0x80, 0xC9], out reason));
        Assert.Equal(DropReason.Truncated, reason); // 2 trailing bytes cannot hold a header

        // PLI with P set and a padding count of 0.
        byte[] badPadding = Hex.Bytes("A1CE0002 00000001 00000000");
        Assert.False(RtcpCompoundReader.Validate(badPadding, out reason));
        Assert.Equal(DropReason.RtcpBadLength, reason);

        Assert.False(RtcpCompoundReader.Validate([], out reason));
        Assert.Equal(DropReason.Truncated, reason);
    }

    [Fact]
    public void Packet_parsers_strip_padding()
    {
        // RR with no blocks, padded by 4 bytes.
        byte[] packet = Hex.Bytes("A0C90002 12345678 00000004");
        Assert.True(ReceiverReport.TryParse(packet, out ReceiverReport rr, out _));
        Assert.Equal(0x12345678u, rr.Ssrc);
        Assert.Equal(0, rr.ReportCount);
    }

    [Fact]
    public void Parsers_reject_the_wrong_type()
    {
        byte[] compound = BuildCompound();
        Assert.False(ReceiverReport.TryParse(compound, out _, out DropReason reason));
        Assert.Equal(DropReason.RtcpUnknownType, reason);
        // A NACK is PT 205 FMT 1; the TWCC parser wants FMT 15.
        Assert.False(TransportWideFeedback.TryParse(compound.AsSpan(72), out _, out reason));
        Assert.Equal(DropReason.RtcpUnknownType, reason);
    }
}
