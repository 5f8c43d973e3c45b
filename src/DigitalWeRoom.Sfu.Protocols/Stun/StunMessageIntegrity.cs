using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace DigitalWeRoom.Sfu.Protocols.Stun;

/// <summary>
/// MESSAGE-INTEGRITY (RFC 8489 §14.5, HMAC-SHA1) and MESSAGE-INTEGRITY-SHA256 (§14.6). The HMAC
/// covers the message up to the attribute, with the header length field set as if the message
/// ended right after the integrity attribute (so a FINGERPRINT added later does not change it).
/// Short-term credentials (ICE) use the password bytes as the key (§9.1.1); long-term ones use
/// MD5(username ":" realm ":" password) (§9.2.2).
/// </summary>
[SuppressMessage("Security", "CA5350", Justification = "RFC 8489 §14.5 and ICE (RFC 8445) mandate HMAC-SHA1.")]
[SuppressMessage("Security", "CA5351", Justification = "RFC 8489 §9.2.2 specifies MD5 for the long-term key.")]
internal static class StunMessageIntegrity
{
    /// <summary>Above this the copy of the prefix goes to a pooled array instead of the stack.</summary>
    private const int StackLimit = 1024;

    /// <summary>
    /// Recomputes the HMAC of <paramref name="message"/> for an integrity attribute at
    /// <paramref name="attributeOffset"/> with a value of <paramref name="valueLength"/> bytes and
    /// compares it in fixed time with the value found there.
    /// </summary>
    public static bool Verify(ReadOnlySpan<byte> message, int attributeOffset, int valueLength, ReadOnlySpan<byte> key, bool sha256)
    {
        int macOffset = attributeOffset + StunConstants.AttributeHeaderLength;
        if (attributeOffset < StunConstants.HeaderLength || macOffset + valueLength > message.Length)
        {
            return false;
        }

        // NOTE: the received header carries the full length (maybe including FINGERPRINT); the HMAC
        // was computed with the length ending after this attribute, so hash a patched copy.
        byte[]? rented = null;
        Span<byte> copy = attributeOffset <= StackLimit
            ? stackalloc byte[StackLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(attributeOffset));
        copy = copy[..attributeOffset];
        message[..attributeOffset].CopyTo(copy);
        BinaryPrimitives.WriteUInt16BigEndian(copy[2..], (ushort)(macOffset + valueLength - StunConstants.HeaderLength));

        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        int macLength = sha256 ? HMACSHA256.HashData(key, copy, mac) : HMACSHA1.HashData(key, copy, mac);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        // MESSAGE-INTEGRITY-SHA256 may be truncated to as little as 16 bytes (RFC 8489 §14.6).
        return valueLength <= macLength
            && CryptographicOperations.FixedTimeEquals(mac[..valueLength], message.Slice(macOffset, valueLength));
    }

    /// <summary>Computes an HMAC over <paramref name="prefix"/> (already length-patched) into <paramref name="destination"/>.</summary>
    public static int Compute(ReadOnlySpan<byte> key, ReadOnlySpan<byte> prefix, Span<byte> destination, bool sha256) =>
        sha256 ? HMACSHA256.HashData(key, prefix, destination) : HMACSHA1.HashData(key, prefix, destination);

    /// <summary>
    /// Long-term credential key MD5(username ":" realm ":" password) (RFC 8489 §9.2.2). The
    /// caller must pass strings already processed by OpaqueString/SASLprep (not implemented here).
    /// </summary>
    public static void LongTermKey(ReadOnlySpan<char> username, ReadOnlySpan<char> realm, ReadOnlySpan<char> password, Span<byte> destination)
    {
        int max = Encoding.UTF8.GetMaxByteCount(username.Length + realm.Length + password.Length + 2);
        byte[]? rented = null;
        Span<byte> buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        int n = Encoding.UTF8.GetBytes(username, buffer);
        buffer[n++] = (byte)':';
        n += Encoding.UTF8.GetBytes(realm, buffer[n..]);
        buffer[n++] = (byte)':';
        n += Encoding.UTF8.GetBytes(password, buffer[n..]);
        MD5.HashData(buffer[..n], destination);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
