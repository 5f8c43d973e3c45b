using System.Buffers.Binary;
using System.Net;

namespace DigitalWeRoom.Sfu.Protocols.Stun;

/// <summary>
/// A validated, read-only view over one STUN datagram (RFC 8489 §5, §14). Nothing is copied or
/// allocated: getters walk the attribute list again, which is short in ICE checks.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |0 0|     STUN Message Type     |         Message Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                         Magic Cookie                          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Transaction ID (96 bits)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Attributes that follow MESSAGE-INTEGRITY (or -SHA256), other than the integrity attributes and
/// FINGERPRINT, are ignored as RFC 8489 §14.5 requires. Duplicates: the first one counts.
/// </summary>
public readonly ref struct StunMessage
{
    private readonly ReadOnlySpan<byte> _message;

    /// <summary>End of the region whose attributes count: the first integrity attribute, else the end.</summary>
    private readonly int _searchEnd;
    private readonly int _integrityOffset;
    private readonly int _integritySha256Offset;
    private readonly int _fingerprintOffset;

    private StunMessage(ReadOnlySpan<byte> message, int searchEnd, int integrity, int integritySha256, int fingerprint)
    {
        _message = message;
        _searchEnd = searchEnd;
        _integrityOffset = integrity;
        _integritySha256Offset = integritySha256;
        _fingerprintOffset = fingerprint;
    }

    /// <summary>The whole message (header and attributes).</summary>
    public ReadOnlySpan<byte> Bytes => _message;

    public StunMessageType Type => (StunMessageType)BinaryPrimitives.ReadUInt16BigEndian(_message);

    /// <summary>The class bits C1 (bit 8) and C0 (bit 4) of the type (RFC 8489 §5).</summary>
    public StunMessageClass Class
    {
        get
        {
            int type = (int)Type;
            return (StunMessageClass)(((type >> 7) & 0b10) | ((type >> 4) & 0b01));
        }
    }

    /// <summary>The 12-bit method with the class bits removed (RFC 8489 §5); Binding is 0x001.</summary>
    public int Method
    {
        get
        {
            int type = (int)Type;
            return (type & 0x000F) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0F80);
        }
    }

    public ReadOnlySpan<byte> TransactionId => _message.Slice(8, StunConstants.TransactionIdLength);

    public bool HasMessageIntegrity => _integrityOffset >= 0;

    public bool HasMessageIntegritySha256 => _integritySha256Offset >= 0;

    /// <summary>True when a FINGERPRINT was present; TryParse has already checked it.</summary>
    public bool HasFingerprint => _fingerprintOffset >= 0;

    /// <summary>
    /// Validates the header (RFC 8489 §5: top bits zero, length a multiple of 4 and equal to the
    /// datagram's, magic cookie) and every attribute's length and padding, enforces FINGERPRINT
    /// last and correct (§14.7) and remembers the MESSAGE-INTEGRITY position. Never throws.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> datagram, out StunMessage message, out DropReason reason)
    {
        message = default;
        if (datagram.Length < StunConstants.HeaderLength)
        {
            reason = DropReason.Truncated;
            return false;
        }
        int declared = BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]);
        if ((datagram[0] & 0xC0) != 0 || (declared & 3) != 0
            || BinaryPrimitives.ReadUInt32BigEndian(datagram[4..]) != StunConstants.MagicCookie)
        {
            reason = DropReason.StunNotStun;
            return false;
        }
        int total = StunConstants.HeaderLength + declared;
        if (total != datagram.Length)
        {
            reason = total > datagram.Length ? DropReason.Truncated : DropReason.Malformed;
            return false;
        }

        int integrity = -1, integritySha256 = -1, fingerprint = -1, searchEnd = total;
        int offset = StunConstants.HeaderLength;
        while (offset < total)
        {
            if (fingerprint >= 0)
            {
                // RFC 8489 §14.7: FINGERPRINT is the last attribute.
                reason = DropReason.StunBadFingerprint;
                return false;
            }
            if (total - offset < StunConstants.AttributeHeaderLength)
            {
                reason = DropReason.StunBadAttribute;
                return false;
            }
            var type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(datagram[offset..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(datagram[(offset + 2)..]);
            if (StunConstants.Pad4(length) > total - offset - StunConstants.AttributeHeaderLength)
            {
                reason = DropReason.StunBadAttribute;
                return false;
            }
            switch (type)
            {
                case StunAttributeType.MessageIntegrity:
                    if (length != StunConstants.MessageIntegrityLength)
                    {
                        reason = DropReason.StunBadAttribute;
                        return false;
                    }
                    if (integrity < 0 && integritySha256 < 0)
                    {
                        integrity = offset;
                        searchEnd = offset;
                    }
                    break;
                case StunAttributeType.MessageIntegritySha256:
                    if (length < 16 || length > 32 || (length & 3) != 0)
                    {
                        reason = DropReason.StunBadAttribute;
                        return false;
                    }
                    if (integritySha256 < 0)
                    {
                        integritySha256 = offset;
                        searchEnd = Math.Min(searchEnd, offset);
                    }
                    break;
                case StunAttributeType.Fingerprint:
                    if (length != StunConstants.FingerprintLength
                        || !StunFingerprint.Verify(datagram[..offset], datagram.Slice(offset + 4, length)))
                    {
                        reason = DropReason.StunBadFingerprint;
                        return false;
                    }
                    fingerprint = offset;
                    searchEnd = Math.Min(searchEnd, offset);
                    break;
            }
            offset += StunConstants.AttributeHeaderLength + StunConstants.Pad4(length);
        }

        message = new StunMessage(datagram, searchEnd, integrity, integritySha256, fingerprint);
        reason = DropReason.None;
        return true;
    }

    /// <summary>Finds the first attribute of <paramref name="type"/> among those that count (see the type's remarks).</summary>
    public bool TryGetAttribute(StunAttributeType type, out ReadOnlySpan<byte> value)
    {
        int at = type switch
        {
            StunAttributeType.MessageIntegrity => _integrityOffset,
            StunAttributeType.MessageIntegritySha256 => _integritySha256Offset,
            StunAttributeType.Fingerprint => _fingerprintOffset,
            _ => Find(type),
        };
        if (at < 0)
        {
            value = default;
            return false;
        }
        value = _message.Slice(at + 4, BinaryPrimitives.ReadUInt16BigEndian(_message[(at + 2)..]));
        return true;
    }

    /// <summary>USERNAME (RFC 8489 §14.3): for ICE, "remote-ufrag:local-ufrag" as UTF-8 (RFC 8445 §7.2.2).</summary>
    public bool TryGetUsername(out ReadOnlySpan<byte> utf8) => TryGetAttribute(StunAttributeType.Username, out utf8);

    /// <summary>PRIORITY (RFC 8445 §7.1.1), a 32-bit value.</summary>
    public bool TryGetPriority(out uint priority)
    {
        priority = 0;
        if (!TryGetAttribute(StunAttributeType.Priority, out ReadOnlySpan<byte> value) || value.Length != 4)
        {
            return false;
        }
        priority = BinaryPrimitives.ReadUInt32BigEndian(value);
        return true;
    }

    /// <summary>USE-CANDIDATE (RFC 8445 §7.1.2), an empty flag attribute.</summary>
    public bool HasUseCandidate => Find(StunAttributeType.UseCandidate) >= 0;

    /// <summary>ICE-CONTROLLING (RFC 8445 §7.1.3), carrying a 64-bit tie-breaker.</summary>
    public bool TryGetIceControlling(out ulong tieBreaker) => TryGetUInt64(StunAttributeType.IceControlling, out tieBreaker);

    /// <summary>ICE-CONTROLLED (RFC 8445 §7.1.3), carrying a 64-bit tie-breaker.</summary>
    public bool TryGetIceControlled(out ulong tieBreaker) => TryGetUInt64(StunAttributeType.IceControlled, out tieBreaker);

    /// <summary>XOR-MAPPED-ADDRESS (RFC 8489 §14.2), IPv4 or IPv6. Allocates the endpoint.</summary>
    public bool TryGetXorMappedAddress(out IPEndPoint? endpoint)
    {
        endpoint = null;
        return TryGetAttribute(StunAttributeType.XorMappedAddress, out ReadOnlySpan<byte> value)
            && StunXorAddress.TryDecode(value, TransactionId, out endpoint);
    }

    /// <summary>XOR-MAPPED-ADDRESS into a reused socket address (size it for IPv6); allocation-free.</summary>
    public bool TryGetXorMappedAddress(SocketAddress destination) =>
        TryGetAttribute(StunAttributeType.XorMappedAddress, out ReadOnlySpan<byte> value)
        && StunXorAddress.TryDecode(value, TransactionId, destination);

    /// <summary>ERROR-CODE (RFC 8489 §14.8): code = class * 100 + number (300..699), reason UTF-8.</summary>
    public bool TryGetErrorCode(out int code, out ReadOnlySpan<byte> reason)
    {
        code = 0;
        reason = default;
        if (!TryGetAttribute(StunAttributeType.ErrorCode, out ReadOnlySpan<byte> value) || value.Length < 4)
        {
            return false;
        }
        int errorClass = value[2] & 0x07;
        int number = value[3];
        if (errorClass < 3 || errorClass > 6 || number > 99)
        {
            return false;
        }
        code = (errorClass * 100) + number;
        reason = value[4..];
        return true;
    }

    /// <summary>Checks MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) with <paramref name="key"/> in fixed time.</summary>
    public bool VerifyMessageIntegrity(ReadOnlySpan<byte> key) =>
        _integrityOffset >= 0
        && StunMessageIntegrity.Verify(_message, _integrityOffset, StunConstants.MessageIntegrityLength, key, sha256: false);

    /// <summary>Checks MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.6), possibly truncated, in fixed time.</summary>
    public bool VerifyMessageIntegritySha256(ReadOnlySpan<byte> key) =>
        _integritySha256Offset >= 0
        && StunMessageIntegrity.Verify(
            _message,
            _integritySha256Offset,
            BinaryPrimitives.ReadUInt16BigEndian(_message[(_integritySha256Offset + 2)..]),
            key,
            sha256: true);

    /// <summary>
    /// Copies into <paramref name="destination"/> the comprehension-required attribute types
    /// (below 0x8000) that this code does not know; a request with any must get a 420 listing them
    /// (RFC 8489 §6.3.1). Attributes after MESSAGE-INTEGRITY are ignored, so they are not counted.
    /// Returns how many were found (at most the destination length).
    /// </summary>
    public int GetUnknownComprehensionRequired(Span<ushort> destination)
    {
        int count = 0;
        int offset = StunConstants.HeaderLength;
        while (offset < _searchEnd)
        {
            var type = (StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(_message[offset..]);
            if ((ushort)type < 0x8000 && !Enum.IsDefined(type) && count < destination.Length)
            {
                destination[count++] = (ushort)type;
            }
            offset += StunConstants.AttributeHeaderLength + StunConstants.Pad4(BinaryPrimitives.ReadUInt16BigEndian(_message[(offset + 2)..]));
        }
        return count;
    }

    /// <summary>Enumerates every attribute in wire order (including ignored ones after MESSAGE-INTEGRITY).</summary>
    public StunAttributeEnumerator GetEnumerator() => new(_message);

    private bool TryGetUInt64(StunAttributeType type, out ulong result)
    {
        result = 0;
        if (!TryGetAttribute(type, out ReadOnlySpan<byte> value) || value.Length != 8)
        {
            return false;
        }
        result = BinaryPrimitives.ReadUInt64BigEndian(value);
        return true;
    }

    private int Find(StunAttributeType type)
    {
        int offset = StunConstants.HeaderLength;
        while (offset < _searchEnd)
        {
            int length = BinaryPrimitives.ReadUInt16BigEndian(_message[(offset + 2)..]);
            if ((StunAttributeType)BinaryPrimitives.ReadUInt16BigEndian(_message[offset..]) == type)
            {
                return offset;
            }
            offset += StunConstants.AttributeHeaderLength + StunConstants.Pad4(length);
        }
        return -1;
    }
}
