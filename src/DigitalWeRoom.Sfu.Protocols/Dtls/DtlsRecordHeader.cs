using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Protocols.Dtls;

/// <summary>
/// The 13-byte DTLS 1.0/1.2 record header (RFC 6347 §4.1). Used by the transport to sanity-check a datagram
/// before it is handed to the DTLS library, so garbage in the 20..63 first-byte range (RFC 7983) is dropped
/// with a reason instead of reaching the handshake code.
/// </summary>
/// <remarks>
/// <code>
///  struct {
///    ContentType type;              // 1 byte: 20..25
///    ProtocolVersion version;       // 2 bytes: {254,255} DTLS 1.0, {254,253} DTLS 1.2
///    uint16 epoch;                  // 2 bytes
///    uint48 sequence_number;        // 6 bytes
///    uint16 length;                 // 2 bytes, at most 2^14 + 2048 (§4.1, DTLSCiphertext)
///    opaque fragment[length];
///  } DTLSPlaintext;
/// </code>
/// NOTE: content type 25 (tls12_cid, RFC 9146) carries a connection ID of negotiated length before the length
/// field; we never negotiate connection IDs, so such a record is malformed for us.
/// </remarks>
public readonly struct DtlsRecordHeader
{
    public const int Length = 13;

    /// <summary>Largest fragment a record may carry (RFC 6347 §4.1: 2^14 + 2048 for DTLSCiphertext).</summary>
    public const int MaxFragmentLength = 16384 + 2048;

    public const byte ChangeCipherSpec = 20;
    public const byte Alert = 21;
    public const byte Handshake = 22;
    public const byte ApplicationData = 23;
    public const byte Heartbeat = 24;
    public const byte Tls12Cid = 25;

    public const ushort Dtls10 = 0xFEFF;
    public const ushort Dtls12 = 0xFEFD;

    private DtlsRecordHeader(byte contentType, ushort version, ushort epoch, ulong sequenceNumber, int fragmentLength)
    {
        ContentType = contentType;
        Version = version;
        Epoch = epoch;
        SequenceNumber = sequenceNumber;
        FragmentLength = fragmentLength;
    }

    public byte ContentType { get; }

    public ushort Version { get; }

    public ushort Epoch { get; }

    /// <summary>The 48-bit record sequence number.</summary>
    public ulong SequenceNumber { get; }

    public int FragmentLength { get; }

    /// <summary>Header plus fragment, in bytes.</summary>
    public int RecordLength => Length + FragmentLength;

    /// <summary>
    /// Parses the record header at the start of <paramref name="buffer"/> and checks that the whole fragment is
    /// inside it. Total: never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out DtlsRecordHeader header, out DropReason reason)
    {
        header = default;
        if (buffer.Length < Length)
        {
            reason = DropReason.Truncated;
            return false;
        }

        byte type = buffer[0];
        ushort version = BinaryPrimitives.ReadUInt16BigEndian(buffer[1..]);
        if (type is < ChangeCipherSpec or >= Tls12Cid || version is not (Dtls10 or Dtls12))
        {
            reason = DropReason.DtlsRecordMalformed;
            return false;
        }

        ushort epoch = BinaryPrimitives.ReadUInt16BigEndian(buffer[3..]);
        ulong sequence = ((ulong)BinaryPrimitives.ReadUInt16BigEndian(buffer[5..]) << 32) | BinaryPrimitives.ReadUInt32BigEndian(buffer[7..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer[11..]);
        if (length > MaxFragmentLength)
        {
            reason = DropReason.DtlsRecordMalformed;
            return false;
        }

        if (length > buffer.Length - Length)
        {
            reason = DropReason.Truncated;
            return false;
        }

        header = new DtlsRecordHeader(type, version, epoch, sequence, length);
        reason = DropReason.None;
        return true;
    }

    /// <summary>Writes a header for a fragment of <paramref name="fragmentLength"/> bytes; returns <see cref="Length"/>.</summary>
    public static int Write(Span<byte> destination, byte contentType, ushort version, ushort epoch, ulong sequenceNumber, int fragmentLength)
    {
        destination[0] = contentType;
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], version);
        BinaryPrimitives.WriteUInt16BigEndian(destination[3..], epoch);
        BinaryPrimitives.WriteUInt16BigEndian(destination[5..], (ushort)(sequenceNumber >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[7..], (uint)sequenceNumber);
        BinaryPrimitives.WriteUInt16BigEndian(destination[11..], (ushort)fragmentLength);
        return Length;
    }
}
