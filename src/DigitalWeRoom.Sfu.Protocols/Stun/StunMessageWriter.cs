using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace DigitalWeRoom.Sfu.Protocols.Stun;

/// <summary>
/// Writes one STUN message (RFC 8489 §5, §14) into a caller's buffer without allocating. The header
/// length is kept current after every attribute, so <see cref="Length"/> bytes are always a valid
/// message. Order matters: MESSAGE-INTEGRITY, then FINGERPRINT, come last (§14.5, §14.7).
/// Running out of room is a programming error (size the buffer; 1500 bytes always suffice) and throws.
/// </summary>
public ref struct StunMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    public StunMessageWriter(Span<byte> destination, StunMessageType type, ReadOnlySpan<byte> transactionId)
    {
        if (destination.Length < StunConstants.HeaderLength || transactionId.Length != StunConstants.TransactionIdLength)
        {
            StunThrowHelper.ThrowArgument(nameof(destination));
        }
        _buffer = destination;
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)type);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StunConstants.MagicCookie);
        transactionId.CopyTo(destination[8..]);
        _length = StunConstants.HeaderLength;
    }

    /// <summary>Bytes written so far; the header length field matches.</summary>
    public readonly int Length => _length;

    /// <summary>The message written so far.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>
    /// Value of padding bytes. RFC 8489 §14 says senders use zero; tests set 0x20 to reproduce the
    /// RFC 5769 vectors, which predate that rule.
    /// </summary>
    public byte PaddingByte { get; set; }

    /// <summary>Appends any attribute with its padding.</summary>
    public void AddAttribute(StunAttributeType type, ReadOnlySpan<byte> value)
    {
        value.CopyTo(BeginAttribute(type, value.Length));
        EndAttribute(value.Length);
    }

    /// <summary>USERNAME (RFC 8489 §14.3); for an ICE check "remote-ufrag:local-ufrag".</summary>
    public void AddUsername(ReadOnlySpan<byte> utf8) => AddAttribute(StunAttributeType.Username, utf8);

    public void AddUsername(ReadOnlySpan<char> text) => AddText(StunAttributeType.Username, text);

    /// <summary>SOFTWARE (RFC 8489 §14.14).</summary>
    public void AddSoftware(ReadOnlySpan<byte> utf8) => AddAttribute(StunAttributeType.Software, utf8);

    public void AddSoftware(ReadOnlySpan<char> text) => AddText(StunAttributeType.Software, text);

    /// <summary>PRIORITY (RFC 8445 §7.1.1).</summary>
    public void AddPriority(uint priority)
    {
        BinaryPrimitives.WriteUInt32BigEndian(BeginAttribute(StunAttributeType.Priority, 4), priority);
        EndAttribute(4);
    }

    /// <summary>USE-CANDIDATE (RFC 8445 §7.1.2).</summary>
    public void AddUseCandidate() => AddAttribute(StunAttributeType.UseCandidate, default);

    /// <summary>ICE-CONTROLLING (RFC 8445 §7.1.3).</summary>
    public void AddIceControlling(ulong tieBreaker) => AddUInt64(StunAttributeType.IceControlling, tieBreaker);

    /// <summary>ICE-CONTROLLED (RFC 8445 §7.1.3).</summary>
    public void AddIceControlled(ulong tieBreaker) => AddUInt64(StunAttributeType.IceControlled, tieBreaker);

    /// <summary>XOR-MAPPED-ADDRESS (RFC 8489 §14.2) of an endpoint.</summary>
    public void AddXorMappedAddress(IPEndPoint endpoint)
    {
        Span<byte> value = BeginAttribute(StunAttributeType.XorMappedAddress, StunXorAddress.IPv6ValueLength);
        int length = StunXorAddress.Encode(value, endpoint, TransactionId);
        EndAttribute(length);
    }

    /// <summary>XOR-MAPPED-ADDRESS of a socket address as filled by <c>ReceiveFrom</c>; allocation-free.</summary>
    public void AddXorMappedAddress(SocketAddress socketAddress)
    {
        Span<byte> value = BeginAttribute(StunAttributeType.XorMappedAddress, StunXorAddress.IPv6ValueLength);
        int length = StunXorAddress.Encode(value, socketAddress, TransactionId);
        EndAttribute(length);
    }

    /// <summary>ERROR-CODE (RFC 8489 §14.8); <paramref name="code"/> in 300..699.</summary>
    public void AddErrorCode(int code, ReadOnlySpan<char> reason)
    {
        int max = 4 + Encoding.UTF8.GetMaxByteCount(reason.Length);
        Span<byte> value = BeginAttribute(StunAttributeType.ErrorCode, Math.Min(max, _buffer.Length - _length - 4));
        int written = 4 + Encoding.UTF8.GetBytes(reason, value[4..]);
        WriteErrorHeader(value, code);
        EndAttribute(written);
    }

    public void AddErrorCode(int code, ReadOnlySpan<byte> reasonUtf8)
    {
        Span<byte> value = BeginAttribute(StunAttributeType.ErrorCode, 4 + reasonUtf8.Length);
        WriteErrorHeader(value, code);
        reasonUtf8.CopyTo(value[4..]);
        EndAttribute(4 + reasonUtf8.Length);
    }

    /// <summary>UNKNOWN-ATTRIBUTES (RFC 8489 §14.9) for a 420 response.</summary>
    public void AddUnknownAttributes(ReadOnlySpan<ushort> types)
    {
        Span<byte> value = BeginAttribute(StunAttributeType.UnknownAttributes, types.Length * 2);
        for (int i = 0; i < types.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(value[(i * 2)..], types[i]);
        }
        EndAttribute(types.Length * 2);
    }

    /// <summary>MESSAGE-INTEGRITY (RFC 8489 §14.5): HMAC-SHA1 keyed with <paramref name="key"/>.</summary>
    public void AddMessageIntegrity(ReadOnlySpan<byte> key) => AddIntegrity(StunAttributeType.MessageIntegrity, key, StunConstants.MessageIntegrityLength);

    /// <summary>MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6), full 32 bytes.</summary>
    public void AddMessageIntegritySha256(ReadOnlySpan<byte> key) => AddIntegrity(StunAttributeType.MessageIntegritySha256, key, 32);

    /// <summary>FINGERPRINT (RFC 8489 §14.7); must be the last attribute.</summary>
    public void AddFingerprint()
    {
        Span<byte> value = BeginAttribute(StunAttributeType.Fingerprint, StunConstants.FingerprintLength);
        // The length field must already count FINGERPRINT when the CRC is taken.
        SetHeaderLength(_length + 4 + StunConstants.FingerprintLength);
        BinaryPrimitives.WriteUInt32BigEndian(value, StunFingerprint.Compute(_buffer[.._length]));
        EndAttribute(StunConstants.FingerprintLength);
    }

    private readonly ReadOnlySpan<byte> TransactionId => _buffer.Slice(8, StunConstants.TransactionIdLength);

    private void AddIntegrity(StunAttributeType type, ReadOnlySpan<byte> key, int macLength)
    {
        Span<byte> value = BeginAttribute(type, macLength);
        SetHeaderLength(_length + 4 + macLength);
        StunMessageIntegrity.Compute(key, _buffer[.._length], value, sha256: type == StunAttributeType.MessageIntegritySha256);
        EndAttribute(macLength);
    }

    private void AddText(StunAttributeType type, ReadOnlySpan<char> text)
    {
        int max = Math.Min(Encoding.UTF8.GetMaxByteCount(text.Length), _buffer.Length - _length - 4);
        int written = Encoding.UTF8.GetBytes(text, BeginAttribute(type, max));
        EndAttribute(written);
    }

    private void AddUInt64(StunAttributeType type, ulong value)
    {
        BinaryPrimitives.WriteUInt64BigEndian(BeginAttribute(type, 8), value);
        EndAttribute(8);
    }

    private static void WriteErrorHeader(Span<byte> value, int code)
    {
        if (code < 300 || code > 699)
        {
            StunThrowHelper.ThrowArgument(nameof(code));
        }
        value[0] = 0;
        value[1] = 0;
        value[2] = (byte)(code / 100);
        value[3] = (byte)(code % 100);
    }

    /// <summary>Returns room for a value of up to <paramref name="maxValueLength"/> bytes after a 4-byte header.</summary>
    private readonly Span<byte> BeginAttribute(StunAttributeType type, int maxValueLength)
    {
        if (maxValueLength < 0 || _buffer.Length - _length - 4 < maxValueLength)
        {
            StunThrowHelper.ThrowArgument("destination");
        }
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_length..], (ushort)type);
        return _buffer.Slice(_length + 4, maxValueLength);
    }

    /// <summary>Sets the attribute length, pads to 4 bytes, and updates the header length.</summary>
    private void EndAttribute(int valueLength)
    {
        int padded = StunConstants.Pad4(valueLength);
        if (valueLength > ushort.MaxValue || _buffer.Length - _length - 4 < padded)
        {
            StunThrowHelper.ThrowArgument("destination");
        }
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[(_length + 2)..], (ushort)valueLength);
        _buffer.Slice(_length + 4 + valueLength, padded - valueLength).Fill(PaddingByte);
        _length += 4 + padded;
        SetHeaderLength(_length);
    }

    private readonly void SetHeaderLength(int totalLength) =>
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[2..], (ushort)(totalLength - StunConstants.HeaderLength));
}
