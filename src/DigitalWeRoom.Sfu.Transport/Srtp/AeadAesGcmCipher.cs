using System.Buffers.Binary;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// SRTP_AEAD_AES_128_GCM (RFC 7714): AES-128-GCM with a 16-byte tag for both SRTP and SRTCP.
/// </summary>
/// <remarks>
/// SRTP (RFC 7714 §8): IV = (00 00 | SSRC | ROC | SEQ) XOR salt, AAD = the RTP header with CSRCs and extension,
/// packet = header | ciphertext | tag(16).
/// SRTCP (RFC 7714 §9): IV = (00 00 | SSRC | 00 00 | 0·index) XOR salt, AAD = first 8 bytes | E-flag·index,
/// packet = header(8) | ciphertext | tag(16) | E-flag·index(4). With E = 0 (§9.2, unprotect only) nothing is
/// encrypted and the whole packet before the tag, plus the E-flag·index word, is AAD.
/// </remarks>
internal sealed class AeadAesGcmCipher : SrtpCipher
{
    private const int Tag = AesGcmAead.TagLength;

    private readonly AesGcmAead _aead;
    private readonly byte[] _salt;

    public AeadAesGcmCipher(SrtpSessionKeys keys, SrtpCryptoBackend backend)
    {
        if (keys.EncryptionKey.Length != 16 || keys.Salt.Length != 12)
        {
            throw new ArgumentException("AEAD_AES_128_GCM needs a 16-byte key and a 12-byte salt.", nameof(keys));
        }

        _aead = AesGcmAead.Create(keys.EncryptionKey, backend);
        _salt = keys.Salt.ToArray();
    }

    public override int TagLength => Tag;

    public override int ProtectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index)
    {
        Span<byte> iv = stackalloc byte[12];
        FormIv(iv, ssrc, index);
        _aead.Encrypt(iv, packet[..headerLength], packet[headerLength..length], packet.Slice(length, Tag));
        return length + Tag;
    }

    public override bool UnprotectRtp(Span<byte> packet, int headerLength, int length, uint ssrc, ulong index)
    {
        Span<byte> iv = stackalloc byte[12];
        FormIv(iv, ssrc, index);
        int end = length - Tag;
        return _aead.Decrypt(iv, packet[..headerLength], packet[headerLength..end], packet.Slice(end, Tag));
    }

    public override int ProtectRtcp(Span<byte> packet, int length, uint ssrc, uint index)
    {
        Span<byte> iv = stackalloc byte[12];
        FormIv(iv, ssrc, index);
        Span<byte> aad = stackalloc byte[12];
        packet[..8].CopyTo(aad);
        BinaryPrimitives.WriteUInt32BigEndian(aad[8..], 0x8000_0000u | index);
        _aead.Encrypt(iv, aad, packet[8..length], packet.Slice(length, Tag));
        aad[8..].CopyTo(packet[(length + Tag)..]);
        return length + Tag + 4;
    }

    public override bool UnprotectRtcp(Span<byte> packet, int length, uint ssrc, uint index, bool encrypted)
    {
        Span<byte> iv = stackalloc byte[12];
        FormIv(iv, ssrc, index);
        int end = length - 4 - Tag;
        Span<byte> tag = stackalloc byte[Tag];
        packet.Slice(end, Tag).CopyTo(tag);
        if (encrypted)
        {
            Span<byte> aad = stackalloc byte[12];
            packet[..8].CopyTo(aad);
            packet.Slice(length - 4, 4).CopyTo(aad[8..]);
            return _aead.Decrypt(iv, aad, packet[8..end], tag);
        }

        // E = 0: move the index word next to the payload so the AAD is contiguous; the bytes after the plain
        // packet are scratch once the tag has been copied out.
        packet.Slice(length - 4, 4).CopyTo(packet[end..]);
        return _aead.Decrypt(iv, packet[..(end + 4)], [], tag);
    }

    public override int RtcpIndexOffset(int length) => length - 4;

    public override void Dispose() => _aead.Dispose();

    /// <summary>
    /// RFC 7714 §8.1 / §9.1: IV = (00 00 | SSRC | 48-bit value) XOR salt. For SRTP the 48 bits are ROC | SEQ, which
    /// is exactly the packet index; for SRTCP they are 00 00 | 0·SRTCP index, i.e. the index zero-extended.
    /// </summary>
    private void FormIv(Span<byte> iv, uint ssrc, ulong value48)
    {
        BinaryPrimitives.WriteUInt16BigEndian(iv, 0);
        BinaryPrimitives.WriteUInt32BigEndian(iv[2..], ssrc);
        BinaryPrimitives.WriteUInt16BigEndian(iv[6..], (ushort)(value48 >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(iv[8..], (uint)value48);
        for (int i = 0; i < 12; i++)
        {
            iv[i] ^= _salt[i];
        }
    }
}
