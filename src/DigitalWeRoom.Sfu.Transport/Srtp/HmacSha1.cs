using System.Security.Cryptography;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// HMAC-SHA1 (RFC 2104) with a fixed key, computed over up to two spans (RFC 3711 §4.2.1: SRTP authenticates
/// the packet followed by the ROC). One instance per session key; not thread-safe.
/// </summary>
internal abstract class HmacSha1 : IDisposable
{
    public const int HashLength = 20;

    /// <summary>Writes HMAC(key, first || second) to <paramref name="hash"/> (20 bytes).</summary>
    public abstract void Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> hash);

    public abstract void Dispose();

    public static HmacSha1 Create(ReadOnlySpan<byte> key, SrtpCryptoBackend backend) =>
        backend.Resolve() == SrtpCryptoBackend.Native ? new NativeHmacSha1(key) : new ManagedHmacSha1(key);
}

/// <summary>
/// OpenSSL HMAC_CTX: the keyed inner and outer SHA1 states are computed once; per packet
/// <c>HMAC_Init_ex</c> without a key only restores them. (HMAC_* is deprecated in OpenSSL 3 headers but exported
/// by libcrypto.so.3 and is the cheapest way to reuse a key.)
/// </summary>
internal sealed unsafe class NativeHmacSha1 : HmacSha1
{
    private readonly SafeHmacContextHandle _handle;
    private readonly nint _ctx;

    public NativeHmacSha1(ReadOnlySpan<byte> key)
    {
        _handle = new SafeHmacContextHandle();
        _ctx = _handle.DangerousGetHandle();
        fixed (byte* k = key)
        {
            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.HMAC_Init_ex(_ctx, k, key.Length, LibCrypto.EVP_sha1(), 0));
        }
    }

    public override void Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> hash)
    {
        using var lease = new NativeContextLease(_handle);
        uint length;
        fixed (byte* a = first)
        fixed (byte* b = second)
        fixed (byte* h = hash)
        {
            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.HMAC_Init_ex(_ctx, null, 0, 0, 0));
            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.HMAC_Update(_ctx, a, (nuint)first.Length));
            if (!second.IsEmpty)
            {
                SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.HMAC_Update(_ctx, b, (nuint)second.Length));
            }

            SrtpCryptoBackendExtensions.ThrowIfFailed(LibCrypto.HMAC_Final(_ctx, h, &length));
        }
    }

    public override void Dispose() => _handle.Dispose();
}

/// <summary>Managed fallback: a reused <see cref="IncrementalHash"/> (allocation-free per packet).</summary>
internal sealed class ManagedHmacSha1 : HmacSha1
{
    private readonly IncrementalHash _hmac;

    public ManagedHmacSha1(ReadOnlySpan<byte> key) => _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, key);

    public override void Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second, Span<byte> hash)
    {
        _hmac.AppendData(first);
        if (!second.IsEmpty)
        {
            _hmac.AppendData(second);
        }

        _hmac.TryGetHashAndReset(hash, out _);
    }

    public override void Dispose() => _hmac.Dispose();
}

/// <summary>Owns one HMAC_CTX and frees it exactly once.</summary>
internal sealed class SafeHmacContextHandle : System.Runtime.InteropServices.SafeHandle
{
    public SafeHmacContextHandle()
        : base(0, ownsHandle: true)
    {
        SetHandle(LibCrypto.HMAC_CTX_new());
        if (IsInvalid)
        {
            throw new InvalidOperationException("HMAC_CTX_new failed.");
        }
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibCrypto.HMAC_CTX_free(handle);
        return true;
    }
}
