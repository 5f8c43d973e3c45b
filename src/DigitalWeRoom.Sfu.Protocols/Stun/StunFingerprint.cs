using System.Buffers.Binary;
using System.IO.Hashing;

namespace DigitalWeRoom.Sfu.Protocols.Stun;

/// <summary>
/// FINGERPRINT (RFC 8489 §14.7): the CRC-32 of the message up to (not including) the attribute,
/// XORed with 0x5354554E. The header length already counts the FINGERPRINT attribute, and it is
/// always the last attribute, so the CRC runs over the message bytes exactly as sent.
/// </summary>
internal static class StunFingerprint
{
    public static uint Compute(ReadOnlySpan<byte> messagePrefix) =>
        Crc32.HashToUInt32(messagePrefix) ^ StunConstants.FingerprintXor;

    /// <summary>Checks a 4-byte FINGERPRINT value against the bytes that precede the attribute.</summary>
    public static bool Verify(ReadOnlySpan<byte> messagePrefix, ReadOnlySpan<byte> value) =>
        value.Length == StunConstants.FingerprintLength
        && BinaryPrimitives.ReadUInt32BigEndian(value) == Compute(messagePrefix);
}
