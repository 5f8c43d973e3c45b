using DigitalWeRoom.Sfu.Protocols.Dtls;

namespace DigitalWeRoom.Sfu.Protocols.Tests.Dtls;

public sealed class DtlsRecordHeaderTests
{
    // RFC 6347 §4.1: handshake, DTLS 1.0, epoch 0, sequence 0x000000000001, length 3.
    private static readonly byte[] OneRecord = Hex.Bytes("16 FEFF 0000 000000000001 0003 010203");

    [Fact]
    public void Parses_every_field()
    {
        Assert.True(DtlsRecordHeader.TryParse(OneRecord, out DtlsRecordHeader header, out DropReason reason));
        Assert.Equal(DropReason.None, reason);
        Assert.Equal(DtlsRecordHeader.Handshake, header.ContentType);
        Assert.Equal(DtlsRecordHeader.Dtls10, header.Version);
        Assert.Equal(0, header.Epoch);
        Assert.Equal(1UL, header.SequenceNumber);
        Assert.Equal(3, header.FragmentLength);
        Assert.Equal(16, header.RecordLength);
    }

    [Fact]
    public void Write_then_parse_round_trips_a_48_bit_sequence_number()
    {
        byte[] buffer = new byte[DtlsRecordHeader.Length + 5];
        DtlsRecordHeader.Write(buffer, DtlsRecordHeader.ApplicationData, DtlsRecordHeader.Dtls12, 0xBEEF, 0xFFFF_1234_5678, 5);
        Assert.Equal("17FEFDBEEFFFFF123456780005", Convert.ToHexString(buffer.AsSpan(0, 13)));
        Assert.True(DtlsRecordHeader.TryParse(buffer, out DtlsRecordHeader header, out _));
        Assert.Equal(0xFFFF_1234_5678UL, header.SequenceNumber);
        Assert.Equal(0xBEEF, header.Epoch);
    }

    [Theory]
    [InlineData("13 FEFD 0000 000000000000 0000", (byte)DropReason.DtlsRecordMalformed)] // content type 19
    [InlineData("19 FEFD 0000 000000000000 0000", (byte)DropReason.DtlsRecordMalformed)] // 25: connection IDs never negotiated
    [InlineData("40 FEFD 0000 000000000000 0000", (byte)DropReason.DtlsRecordMalformed)] // DTLS 1.3 unified header range
    [InlineData("16 0303 0000 000000000000 0000", (byte)DropReason.DtlsRecordMalformed)] // TLS 1.2 version
    [InlineData("16 FEFC 0000 000000000000 0000", (byte)DropReason.DtlsRecordMalformed)] // DTLS 1.3 record version
    [InlineData("16 FEFD 0000 000000000000 4801", (byte)DropReason.DtlsRecordMalformed)] // length > 2^14 + 2048
    [InlineData("16 FEFD 0000 000000000000 0004 010203", (byte)DropReason.Truncated)] // length > remaining
    [InlineData("16 FEFD 0000 0000000000", (byte)DropReason.Truncated)] // short header
    public void Rejects_with_a_reason(string hex, byte expected)
    {
        Assert.False(DtlsRecordHeader.TryParse(Hex.Bytes(hex), out _, out DropReason reason));
        Assert.Equal((DropReason)expected, reason);
    }

    [Fact]
    public void Reader_iterates_all_records_of_a_datagram()
    {
        byte[] datagram = [.. OneRecord, .. Hex.Bytes("14 FEFD 0000 000000000002 0001 01"), .. Hex.Bytes("16 FEFD 0001 000000000000 0002 AABB")];
        var reader = new DtlsRecordReader(datagram);
        var seen = new List<(byte, ushort, int)>();
        while (reader.TryReadNext(out DtlsRecordHeader header, out ReadOnlySpan<byte> fragment))
        {
            seen.Add((header.ContentType, header.Epoch, fragment.Length));
        }

        Assert.Equal(DropReason.None, reader.Error);
        Assert.Equal([(22, 0, 3), (20, 0, 1), (22, 1, 2)], seen);
        Assert.True(DtlsRecordReader.Validate(datagram, out int count, out _));
        Assert.Equal(3, count);
    }

    [Fact]
    public void Reader_stops_on_trailing_garbage_and_on_too_many_records()
    {
        Assert.False(DtlsRecordReader.Validate([.. OneRecord, 0x16, 0xFE], out _, out DropReason reason));
        Assert.Equal(DropReason.Truncated, reason);

        byte[] empty = Hex.Bytes("17 FEFD 0001 000000000000 0000");
        byte[] many = [.. Enumerable.Repeat(empty, DtlsRecordReader.MaxRecordsPerDatagram + 1).SelectMany(r => r)];
        Assert.False(DtlsRecordReader.Validate(many, out _, out reason));
        Assert.Equal(DropReason.DtlsRecordMalformed, reason);
        Assert.False(DtlsRecordReader.Validate([], out _, out reason));
        Assert.Equal(DropReason.Truncated, reason);
    }

    [Fact]
    public void Recognises_a_client_hello_only_in_epoch_0()
    {
        byte[] hello = new byte[13 + 12];
        DtlsRecordHeader.Write(hello, DtlsRecordHeader.Handshake, DtlsRecordHeader.Dtls10, 0, 0, 12);
        hello[13] = 1;
        Assert.True(DtlsRecordReader.StartsWithClientHello(hello));
        hello[13] = 2; // ServerHello
        Assert.False(DtlsRecordReader.StartsWithClientHello(hello));
        hello[13] = 1;
        hello[4] = 1; // epoch 1: encrypted, not a hello
        Assert.False(DtlsRecordReader.StartsWithClientHello(hello));
    }

    [Fact]
    public void Variants_never_throw_and_rejections_have_a_reason()
    {
        byte[] flight = [.. OneRecord, .. Hex.Bytes("14 FEFD 0000 000000000002 0001 01"), .. Hex.Bytes("16 FEFD 0001 000000000000 0010 00112233445566778899AABBCCDDEEFF")];
        (int accepted, int rejected) = Robustness.Run([OneRecord, flight], 100_000, seed: 6347,
            static (ReadOnlySpan<byte> input, out DropReason reason) => DtlsRecordReader.Validate(input, out _, out reason));
        Assert.True(accepted > 1000 && rejected > 1000, $"{accepted}/{rejected}");
    }
}
