namespace DigitalWeRoom.Sfu.Protocols.Dtls;

/// <summary>
/// Iterates the records of one DTLS datagram (RFC 6347 §4.1.1: several records may share a datagram, none
/// may span two). Total: a bad record stops the iteration and sets <see cref="Error"/>.
/// </summary>
public ref struct DtlsRecordReader
{
    /// <summary>More records than this in one datagram is treated as hostile (a 1500-byte datagram fits ~115 empty ones).</summary>
    public const int MaxRecordsPerDatagram = 32;

    private readonly ReadOnlySpan<byte> _datagram;
    private int _position;
    private int _count;

    public DtlsRecordReader(ReadOnlySpan<byte> datagram)
    {
        _datagram = datagram;
        _position = 0;
        _count = 0;
        Error = datagram.IsEmpty ? DropReason.Truncated : DropReason.None;
    }

    /// <summary>Why iteration stopped early; <see cref="DropReason.None"/> when every record was valid.</summary>
    public DropReason Error { get; private set; }

    /// <summary>Returns the next record's header and fragment, or false at the end or on error.</summary>
    public bool TryReadNext(out DtlsRecordHeader header, out ReadOnlySpan<byte> fragment)
    {
        fragment = default;
        header = default;
        if (Error != DropReason.None || _position >= _datagram.Length)
        {
            return false;
        }

        if (_count == MaxRecordsPerDatagram)
        {
            Error = DropReason.DtlsRecordMalformed;
            return false;
        }

        if (!DtlsRecordHeader.TryParse(_datagram[_position..], out header, out DropReason reason))
        {
            Error = reason;
            return false;
        }

        fragment = _datagram.Slice(_position + DtlsRecordHeader.Length, header.FragmentLength);
        _position += header.RecordLength;
        _count++;
        return true;
    }

    /// <summary>
    /// Checks that <paramref name="datagram"/> is a sequence of well-formed records that fills it exactly.
    /// </summary>
    public static bool Validate(ReadOnlySpan<byte> datagram, out int recordCount, out DropReason reason)
    {
        var reader = new DtlsRecordReader(datagram);
        recordCount = 0;
        while (reader.TryReadNext(out _, out _))
        {
            recordCount++;
        }

        reason = reader.Error;
        return reason == DropReason.None;
    }

    /// <summary>
    /// True when the datagram starts with an epoch-0 handshake record whose first message is a ClientHello
    /// (RFC 6347 §4.2.2, msg_type 1): the only thing an unvalidated peer may start a session with.
    /// </summary>
    public static bool StartsWithClientHello(ReadOnlySpan<byte> datagram)
    {
        return DtlsRecordHeader.TryParse(datagram, out DtlsRecordHeader header, out _)
            && header.ContentType == DtlsRecordHeader.Handshake
            && header.Epoch == 0
            && header.FragmentLength >= 12
            && datagram[DtlsRecordHeader.Length] == 1;
    }
}
