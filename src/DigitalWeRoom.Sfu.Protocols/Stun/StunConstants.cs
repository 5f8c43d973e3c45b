namespace DigitalWeRoom.Sfu.Protocols.Stun;

/// <summary>Fixed numbers of the STUN wire format (RFC 8489 §5, §14).</summary>
public static class StunConstants
{
    /// <summary>Magic cookie, bytes 4..7 of every RFC 5389/8489 message.</summary>
    public const uint MagicCookie = 0x2112A442;

    public const int HeaderLength = 20;
    public const int TransactionIdLength = 12;
    public const int AttributeHeaderLength = 4;

    /// <summary>MESSAGE-INTEGRITY value: an HMAC-SHA1 (RFC 8489 §14.5).</summary>
    public const int MessageIntegrityLength = 20;

    /// <summary>FINGERPRINT value: a CRC-32 (RFC 8489 §14.7).</summary>
    public const int FingerprintLength = 4;

    /// <summary>XORed into the CRC-32 so FINGERPRINT differs from other CRCs in the datagram (RFC 8489 §14.7).</summary>
    public const uint FingerprintXor = 0x5354554E;

    /// <summary>Largest message we read or write; a STUN check fits far below the path MTU.</summary>
    public const int MaxMessageLength = 1500;

    /// <summary>Rounds an attribute length up to the 4-byte boundary (RFC 8489 §14).</summary>
    public static int Pad4(int length) => (length + 3) & ~3;
}
