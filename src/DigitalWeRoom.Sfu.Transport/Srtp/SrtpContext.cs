// Partial part: creation, key split and disposal; the RTP and RTCP state lives in SrtpContext.Rtp.cs / .Rtcp.cs.
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using DigitalWeRoom.Sfu.Protocols;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>
/// SRTP/SRTCP cryptographic context of one direction (RFC 3711 §3.2): either our outbound keys (protect) or the
/// peer's inbound keys (unprotect). Works in place on caller-owned buffers and allocates nothing per packet.
/// </summary>
/// <remarks>
/// Threading: the RTP methods and the RTCP methods use disjoint state (own cipher, own native context, own
/// per-SSRC table), so one thread may do RTP while another does RTCP on the same context. Two threads must not
/// both do RTP (or both RTCP) at once.
/// </remarks>
public sealed partial class SrtpContext : IDisposable
{
    /// <summary>
    /// Room callers reserve after a packet for protection: the largest is SRTCP with GCM, 16-byte tag plus the
    /// 4-byte E·index word; the rest is spare (e.g. for an MKI) so buffer sizes never need to change.
    /// </summary>
    public const int MaxOverhead = 16 + 4 + 12;

    private SrtpContext(SrtpProtectionProfile profile, SrtpCipher rtp, SrtpCipher rtcp, SrtpCryptoBackend backend)
    {
        Profile = profile;
        _rtp = rtp;
        _rtcp = rtcp;
        Backend = backend;
    }

    public SrtpProtectionProfile Profile { get; }

    /// <summary>The cipher implementation in use (<see cref="SrtpCryptoBackend.Native"/> or <see cref="SrtpCryptoBackend.Managed"/>).</summary>
    public SrtpCryptoBackend Backend { get; }

    /// <summary>Creates a context from a master key and salt, deriving SRTP and SRTCP session keys (RFC 3711 §4.3).</summary>
    public static SrtpContext Create(SrtpProtectionProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt) =>
        Create(profile, masterKey, masterSalt, SrtpCryptoBackend.Auto);

    /// <inheritdoc cref="Create(SrtpProtectionProfile, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>
    public static SrtpContext Create(
        SrtpProtectionProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, SrtpCryptoBackend backend)
    {
        if (masterKey.Length != SrtpProfileInfo.KeyLength(profile) || masterSalt.Length != SrtpProfileInfo.SaltLength(profile))
        {
            throw new ArgumentException($"Master key/salt lengths do not match {profile}.", nameof(masterKey));
        }

        return FromSessionKeys(
            profile,
            SrtpKeyDerivation.DeriveSessionKeys(profile, masterKey, masterSalt, rtcp: false),
            SrtpKeyDerivation.DeriveSessionKeys(profile, masterKey, masterSalt, rtcp: true),
            backend);
    }

    /// <summary>Creates a context from already derived session keys (test vectors are stated this way).</summary>
    public static SrtpContext FromSessionKeys(
        SrtpProtectionProfile profile, SrtpSessionKeys rtpKeys, SrtpSessionKeys rtcpKeys, SrtpCryptoBackend backend)
    {
        backend = backend.Resolve();
        SrtpCipher rtp = SrtpCipher.Create(profile, rtpKeys, backend);
        try
        {
            return new SrtpContext(profile, rtp, SrtpCipher.Create(profile, rtcpKeys, backend), backend);
        }
        catch
        {
            rtp.Dispose();
            throw;
        }
    }

    /// <summary>Length of the DTLS exporter output for <paramref name="profile"/>: 2 * (key + salt) (RFC 5764 §4.2).</summary>
    public static int KeyingMaterialLength(SrtpProtectionProfile profile) =>
        2 * (SrtpProfileInfo.KeyLength(profile) + SrtpProfileInfo.SaltLength(profile));

    /// <summary>
    /// Splits the "EXTRACTOR-dtls_srtp" exporter output (RFC 5764 §4.2: client_write_key | server_write_key |
    /// client_write_salt | server_write_salt) into our outbound context and the peer's inbound context.
    /// </summary>
    public static (SrtpContext Local, SrtpContext Remote) FromDtlsKeyingMaterial(
        SrtpProtectionProfile profile, ReadOnlySpan<byte> material, bool localIsDtlsClient, SrtpCryptoBackend backend = SrtpCryptoBackend.Auto)
    {
        int k = SrtpProfileInfo.KeyLength(profile);
        int s = SrtpProfileInfo.SaltLength(profile);
        if (material.Length != KeyingMaterialLength(profile))
        {
            throw new ArgumentException($"Keying material must be {KeyingMaterialLength(profile)} bytes for {profile}.", nameof(material));
        }

        ReadOnlySpan<byte> clientKey = material[..k];
        ReadOnlySpan<byte> serverKey = material.Slice(k, k);
        ReadOnlySpan<byte> clientSalt = material.Slice(2 * k, s);
        ReadOnlySpan<byte> serverSalt = material.Slice(2 * k + s, s);
        SrtpContext client = Create(profile, clientKey, clientSalt, backend);
        try
        {
            SrtpContext server = Create(profile, serverKey, serverSalt, backend);
            return localIsDtlsClient ? (client, server) : (server, client);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Forgets every SSRC's ROC, replay window and SRTCP index (as a fresh context would), keeping the keys.
    /// Not for the packet path: benchmarks use it to replay a fixed packet set, tests to simulate a restart.
    /// Must not run concurrently with RTP or RTCP calls.
    /// </summary>
    internal void ResetStreams()
    {
        _rtpStreams.Clear();
        _rtcpStreams.Clear();
    }

    public void Dispose()
    {
        _rtp.Dispose();
        _rtcp.Dispose();
    }
}
