using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Dtls;

namespace DigitalWeRoom.Sfu.Fuzz.Targets;

/// <summary>DTLS record layer framing (RFC 6347 §4.1): the check a datagram passes before it reaches BouncyCastle.</summary>
public sealed class DtlsRecordTarget : FuzzTarget
{
    public override string Name => "DtlsRecord";

    public override void Execute(ReadOnlySpan<byte> input)
    {
        var reader = new DtlsRecordReader(input);
        int consumed = 0;
        int records = 0;
        while (reader.TryReadNext(out DtlsRecordHeader header, out ReadOnlySpan<byte> fragment))
        {
            Check(fragment.Length == header.FragmentLength && header.FragmentLength <= DtlsRecordHeader.MaxFragmentLength, "fragment matches its length field");
            Check(header.SequenceNumber < (1UL << 48), "48-bit sequence number");
            consumed += header.RecordLength;
            records++;
        }

        bool valid = reader.Error == DropReason.None;
        Check(!valid || consumed == input.Length, "a valid datagram is consumed exactly");
        Check(DtlsRecordReader.Validate(input, out int count, out DropReason reason) == valid && (!valid || count == records), "Validate agrees with the reader");
        Check(valid == (reason == DropReason.None), "reason set exactly on rejection");
        _ = DtlsRecordReader.StartsWithClientHello(input);
    }

    public override IEnumerable<(string Name, byte[] Data)> CreateSeeds()
    {
        // A ClientHello-shaped handshake record (epoch 0) and a flight of three records (epoch 0, CCS, epoch 1).
        byte[] hello = new byte[DtlsRecordHeader.Length + 60];
        DtlsRecordHeader.Write(hello, DtlsRecordHeader.Handshake, DtlsRecordHeader.Dtls10, 0, 0, 60);
        hello[13] = 1;
        hello[16] = 48;
        for (int i = 25; i < hello.Length; i++)
        {
            hello[i] = (byte)i;
        }

        yield return ("client-hello", hello);

        var flight = new List<byte>();
        byte[] record = new byte[DtlsRecordHeader.Length + 40];
        DtlsRecordHeader.Write(record, DtlsRecordHeader.Handshake, DtlsRecordHeader.Dtls12, 0, 5, 40);
        flight.AddRange(record);
        DtlsRecordHeader.Write(record, DtlsRecordHeader.ChangeCipherSpec, DtlsRecordHeader.Dtls12, 0, 6, 1);
        flight.AddRange(record.AsSpan(0, DtlsRecordHeader.Length + 1).ToArray());
        DtlsRecordHeader.Write(record, DtlsRecordHeader.Handshake, DtlsRecordHeader.Dtls12, 1, 0, 40);
        flight.AddRange(record);
        yield return ("flight", [.. flight]);

        byte[] alert = new byte[DtlsRecordHeader.Length + 2];
        DtlsRecordHeader.Write(alert, DtlsRecordHeader.Alert, DtlsRecordHeader.Dtls12, 1, 0x0000_FFFF_FFFF_FFFF, 2);
        yield return ("alert-max-seq", alert);
    }
}
