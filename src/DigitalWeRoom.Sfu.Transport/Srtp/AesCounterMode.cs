using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// AES-128 in counter mode as SRTP uses it (RFC 3711 §4.1.1): keystream block j is AES(k_e, IV + j) with the
/// block counter in the low 16 bits, XORed into the data in place. Encryption and decryption are the same.
/// One instance per session key; not thread-safe.
/// </summary>
internal abstract class AesCounterMode : IDisposable
{
    /// <summary>XORs the keystream for <paramref name="iv"/> (16 bytes) into <paramref name="data"/>.</summary>
    public abstract void Transform(ReadOnlySpan<byte> iv, Span<byte> data);

    public abstract void Dispose();

    public static AesCounterMode Create(ReadOnlySpan<byte> key, SrtpCryptoBackend backend) =>
        backend.Resolve() == SrtpCryptoBackend.Native ? new NativeAesCounterMode(key) : new ManagedAesCounterMode(key);
}

/// <summary>OpenSSL EVP_aes_128_ctr with the key schedule set once; each packet only sets the IV.</summary>
internal sealed unsafe class NativeAesCounterMode : AesCounterMode
{
    private readonly SafeEvpCipherContextHandle _handle;
    private readonly nint _ctx;

    public NativeAesCounterMode(ReadOnlySpan<byte> key)
    {
        _handle = new SafeEvpCipherContextHandle();
        _ctx = _handle.DangerousGetHandle();
        fixed (byte* k = key)
        {
            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CipherInit_ex(_ctx, LibCrypto.EVP_aes_128_ctr(), 0, k, null, 1));
        }
    }

    public override void Transform(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        using var lease = new NativeContextLease(_handle);
        if (data.IsEmpty)
        {
            return;
        }

        int written;
        fixed (byte* ivp = iv)
        fixed (byte* d = data)
        {
            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CipherInit_ex(_ctx, 0, 0, null, ivp, 1));
            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.EVP_CipherUpdate(_ctx, d, &written, d, data.Length));
        }
    }

    public override void Dispose() => _handle.Dispose();
}

/// <summary>
/// Managed fallback: counter blocks are encrypted with AES-ECB by a reused <see cref="ICryptoTransform"/> into a
/// per-instance scratch array, then XORed in.
/// </summary>
/// <remarks>
/// NOTE: the span one-shot <c>Aes.EncryptEcb(span, span, PaddingMode.None)</c> allocates ~128 B per call on
/// .NET 10 (it sets up a fresh native cipher each time); a reused encryptor on arrays allocates nothing.
/// </remarks>
internal sealed class ManagedAesCounterMode : AesCounterMode
{
    private const int ChunkBlocks = 32;
    private readonly Aes _aes;
    private readonly ICryptoTransform _ecb;
    private readonly byte[] _keystream = new byte[ChunkBlocks * 16];

    public ManagedAesCounterMode(ReadOnlySpan<byte> key)
    {
        _aes = Aes.Create();
        _aes.Key = key.ToArray();
        _aes.Mode = CipherMode.ECB;
        _aes.Padding = PaddingMode.None;
        _ecb = _aes.CreateEncryptor();
    }

    public override void Transform(ReadOnlySpan<byte> iv, Span<byte> data)
    {
        Span<byte> keystream = _keystream;
        ulong ivHigh = BinaryPrimitives.ReadUInt64BigEndian(iv);
        ulong ivLow = BinaryPrimitives.ReadUInt64BigEndian(iv[8..]);
        ulong block = 0;
        while (!data.IsEmpty)
        {
            int blocks = Math.Min(ChunkBlocks, (data.Length + 15) / 16);
            Span<byte> chunk = keystream[..(blocks * 16)];
            for (int i = 0; i < blocks; i++, block++)
            {
                // IV + j as a 128-bit big-endian addition (the SRTP IV leaves 16 zero bits for j, so no carry
                // into the high half happens for packets under 1 MiB, but the addition stays exact anyway).
                ulong low = ivLow + block;
                ulong high = ivHigh + (low < ivLow ? 1UL : 0UL);
                BinaryPrimitives.WriteUInt64BigEndian(chunk[(i * 16)..], high);
                BinaryPrimitives.WriteUInt64BigEndian(chunk[(i * 16 + 8)..], low);
            }

            _ecb.TransformBlock(_keystream, 0, chunk.Length, _keystream, 0);
            int n = Math.Min(chunk.Length, data.Length);
            Xor(data[..n], chunk[..n]);
            data = data[n..];
        }
    }

    public override void Dispose()
    {
        _ecb.Dispose();
        _aes.Dispose();
    }

    /// <summary>data ^= keystream, vectorised.</summary>
    internal static void Xor(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Span<Vector<byte>> dv = MemoryMarshal.Cast<byte, Vector<byte>>(data);
            ReadOnlySpan<Vector<byte>> kv = MemoryMarshal.Cast<byte, Vector<byte>>(keystream);
            for (int v = 0; v < dv.Length; v++)
            {
                dv[v] ^= kv[v];
            }

            i = dv.Length * Vector<byte>.Count;
        }

        for (; i < data.Length; i++)
        {
            data[i] ^= keystream[i];
        }
    }
}
