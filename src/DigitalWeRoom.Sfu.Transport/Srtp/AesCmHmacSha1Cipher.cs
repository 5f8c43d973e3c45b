using System.Buffers.Binary;
using System.Security.Cryptography;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// SRTP_AES128_CM_HMAC_SHA1_80 (RFC 5764 §4.1.2): AES-128 counter mode (RFC 3711 §4.1.1) and HMAC-SHA1
/// truncated to 80 bits (RFC 3711 §4.2.1).
/// </summary>
/// <remarks>
/// Packet layouts (RFC 3711 §3.1, §3.4):
/// SRTP  = header | E(payload) | tag(10), tag = HMAC(k_a, header | E(payload) | ROC).
/// SRTCP = header(8) | E(rest) | E-flag·index(4) | tag(10), tag = HMAC(k_a, everything before the tag).
/// </remarks>
internal sealed class AesCmHmacSha1Cipher : SrtpCipher
{
    private const int Tag = 10;

    private readonly AesCounterMode _ctr;
    private readonly HmacSha1 _hmac;
    private readonly byte[] _salt;

    public AesCmHmacSha1Cipher(SrtpSessionKeys keys, SrtpCryptoBackend backend)
    {
        if (keys.EncryptionKey.Length != 16 || keys.Salt.Length != 14 || keys.AuthenticationKey.Length != HmacSha1.HashLength)
        {
            throw new ArgumentException("AES-CM/HMAC-SHA1 needs a 16-byte key, 14-byte salt and 20-byte auth key.", nameof(keys));
        }

        _ctr = AesCounterMode.Create(keys.EncryptionKey, backend);
        _hmac = HmacSha1.Create(keys.AuthenticationKey, backend);
        _salt = keys.Salt.ToArray();
    }

    public override int TagLength => Tag;

    public override int ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index)
    {
        Span<byte> iv = stackalloc byte[16];
        FormIv(iv, ssrc, index);
        _ctr.Transform(iv, packet[headerLength..length]);
        Authenticate(packet[..length], (uint)(index >> 16), withRoc: true, packet.Slice(length, Tag));
        return length + Tag;
    }

    public override bool UnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index)
    {
        int authenticated = length - Tag;
        Span<byte> expected = stackalloc byte[Tag];
        Authenticate(packet[..authenticated], (uint)(index >> 16), withRoc: true, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, packet.Slice(authenticated, Tag)))
        {
            return false;
        }

        Span<byte> iv = stackalloc byte[16];
        FormIv(iv, ssrc, index);
        _ctr.Transform(iv, packet[headerLength..authenticated]);
        return true;
    }

    public override int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index)
    {
        Span<byte> iv = stackalloc byte[16];
        FormIv(iv, ssrc, index);
        _ctr.Transform(iv, packet[8..length]);
        BinaryPrimitives.WriteUInt32BigEndian(packet[length..], 0x8000_0000u | index);
        Authenticate(packet[..(length + 4)], 0, withRoc: false, packet.Slice(length + 4, Tag));
        return length + 4 + Tag;
    }

    public override bool UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint index, bool encrypted)
    {
        int authenticated = length - Tag;
        Span<byte> expected = stackalloc byte[Tag];
        Authenticate(packet[..authenticated], 0, withRoc: false, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, packet.Slice(authenticated, Tag)))
        {
            return false;
        }

        if (encrypted)
        {
            Span<byte> iv = stackalloc byte[16];
            FormIv(iv, ssrc, index);
            _ctr.Transform(iv, packet[8..(authenticated - 4)]);
        }

        return true;
    }

    public override int RtcpIndexOffset(int length) => length - Tag - 4;

    public override void Dispose()
    {
        _ctr.Dispose();
        _hmac.Dispose();
    }

    /// <summary>RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16), i the 48-bit (SRTCP: 31-bit) index.</summary>
    private void FormIv(Span<byte> iv, uint ssrc, ulong index)
    {
        _salt.CopyTo(iv);
        iv[14] = 0;
        iv[15] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(iv[4..], BinaryPrimitives.ReadUInt32BigEndian(iv[4..]) ^ ssrc);
        BinaryPrimitives.WriteUInt64BigEndian(iv[8..], BinaryPrimitives.ReadUInt64BigEndian(iv[8..]) ^ (index << 16));
    }

    /// <summary>RFC 3711 §4.2: HMAC-SHA1 over the authenticated portion (and, for SRTP, the ROC), first 80 bits.</summary>
    private void Authenticate(ReadOnlySpan<byte> authenticated, uint roc, bool withRoc, Span<byte> tag)
    {
        Span<byte> rocBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(rocBytes, roc);
        Span<byte> hash = stackalloc byte[HmacSha1.HashLength];
        _hmac.Compute(authenticated, withRoc ? rocBytes : default, hash);
        hash[..Tag].CopyTo(tag);
    }
}
