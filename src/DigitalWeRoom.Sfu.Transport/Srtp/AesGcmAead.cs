using System.Security.Cryptography;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// AEAD_AES_128_GCM (RFC 5116 §5.1) with a 12-byte nonce and a 16-byte tag, in place. One instance per session
/// key; not thread-safe. The SRTP specifics (IV formation, AAD, packet layout) live in
/// <see cref="AeadAesGcmCipher"/>.
/// </summary>
internal abstract class AesGcmAead : IDisposable
{
    public const int NonceLength = 12;
    public const int TagLength = 16;

    /// <summary>Encrypts <paramref name="data"/> in place and writes the tag.</summary>
    public abstract void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, Span<byte> tag);

    /// <summary>
    /// Verifies the tag and decrypts <paramref name="data"/> in place. On a false return the contents of
    /// <paramref name="data"/> are unspecified (the caller drops the packet).
    /// </summary>
    public abstract bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, ReadOnlySpan<byte> tag);

    public abstract void Dispose();

    public static AesGcmAead Create(ReadOnlySpan<byte> key, SrtpCryptoBackend backend) =>
        backend.Resolve() == SrtpCryptoBackend.Native ? new NativeAesGcmAead(key) : new ManagedAesGcmAead(key);
}

/// <summary>OpenSSL EVP_aes_128_gcm; the key schedule and GHASH key are computed once, each packet sets the IV.</summary>
internal sealed unsafe class NativeAesGcmAead : AesGcmAead
{
    private readonly SafeEvpCipherContextHandle _handle;
    private readonly nint _ctx;

    public NativeAesGcmAead(ReadOnlySpan<byte> key)
    {
        _handle = new SafeEvpCipherContextHandle();
        _ctx = _handle.DangerousGetHandle();
        fixed (byte* k = key)
        {
            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CipherInit_ex(_ctx, LibCrypto.EVP_aes_128_gcm(), 0, null, null, 1));
            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CIPHER_CTX_ctrl(_ctx, LibCrypto.CtrlAeadSetIvLength, NonceLength, null));
            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CipherInit_ex(_ctx, 0, 0, k, null, 1));
        }
    }

    public override void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, Span<byte> tag)
    {
        using var lease = new NativeContextLease(_handle);
        int n;
        byte* final = stackalloc byte[TagLength];
        fixed (byte* iv = nonce)
        fixed (byte* a = aad)
        fixed (byte* d = data)
        fixed (byte* t = tag)
        {
            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CipherInit_ex(_ctx, 0, 0, null, iv, 1));
            if (!aad.IsEmpty)
            {
                SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CipherUpdate(_ctx, null, &n, a, aad.Length));
            }

            if (!data.IsEmpty)
            {
                SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CipherUpdate(_ctx, d, &n, d, data.Length));
            }

            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CipherFinal_ex(_ctx, final, &n));
            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CIPHER_CTX_ctrl(_ctx, LibCrypto.CtrlAeadGetTag, TagLength, t));
        }
    }

    public override bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        using var lease = new NativeContextLease(_handle);
        int n;
        byte* final = stackalloc byte[TagLength];
        fixed (byte* iv = nonce)
        fixed (byte* a = aad)
        fixed (byte* d = data)
        fixed (byte* t = tag)
        {
            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CipherInit_ex(_ctx, 0, 0, null, iv, 0));
            if (!aad.IsEmpty)
            {
                SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CipherUpdate(_ctx, null, &n, a, aad.Length));
            }

            if (!data.IsEmpty)
            {
                SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CipherUpdate(_ctx, d, &n, d, data.Length));
            }

            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CIPHER_CTX_ctrl(_ctx, LibCrypto.CtrlAeadSetTag, TagLength, t));

            // EVP_DecryptFinal_ex returns 0 when the tag does not verify: that is a forged or damaged packet.
            return LibCrypto.EVP_CipherFinal_ex(_ctx, final, &n) == 1;
        }
    }

    public override void Dispose() => _handle.Dispose();
}

/// <summary>Managed fallback on <see cref="AesGcm"/> (which itself calls OpenSSL on Linux, with more per-call setup).</summary>
internal sealed class ManagedAesGcmAead : AesGcmAead
{
    private readonly AesGcm _gcm;

    public ManagedAesGcmAead(ReadOnlySpan<byte> key) => _gcm = new AesGcm(key, TagLength);

    public override void Encrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, Span<byte> tag) =>
        _gcm.Encrypt(nonce, data, data, tag, aad);

    public override bool Decrypt(ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, Span<byte> data, ReadOnlySpan<byte> tag)
    {
        try
        {
            _gcm.Decrypt(nonce, data, tag, data, aad);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // NOTE: .NET reports a bad tag only by exception; this costs microseconds but only on forged packets.
            return false;
        }
    }

    public override void Dispose() => _gcm.Dispose();
}
