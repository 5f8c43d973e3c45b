using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Rtp;

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
public sealed class SrtpContext : IDisposable
{
    /// <summary>
    /// Room callers reserve after a packet for protection: the largest is SRTCP with GCM, 16-byte tag plus the
    /// 4-byte E·index word; the rest is spare (e.g. for an MKI) so buffer sizes never need to change.
    /// </summary>
    public const int MaxOverhead = 16 + 4 + 12;

    private const int RtcpFixedHeader = 8;
    private const uint SrtcpIndexMask = 0x7FFF_FFFF;

    // SRTP state and SRTCP state are disjoint (see Threading above).
    private readonly SrtpCipher _rtp;
    private readonly SrtpStreamTable _rtpStreams;
    private readonly SrtpCipher _rtcp;
    private readonly SrtpStreamTable _rtcpStreams;

    private SrtpContext(SrtpProtectionProfile profile, SrtpCipher rtp, SrtpCipher rtcp, SrtpCryptoBackend backend, int maxStreams)
    {
        Profile = profile;
        _rtp = rtp;
        _rtcp = rtcp;
        Backend = backend;
        _rtpStreams = new SrtpStreamTable(maxStreams);
        _rtcpStreams = new SrtpStreamTable(maxStreams);
    }

    /// <summary>Most SSRCs this context tracks, per direction of use (RTP and RTCP each).</summary>
    public int MaxStreams => _rtpStreams.Capacity;

    public SrtpProtectionProfile Profile { get; }

    /// <summary>The cipher implementation in use (<see cref="SrtpCryptoBackend.Native"/> or <see cref="SrtpCryptoBackend.Managed"/>).</summary>
    public SrtpCryptoBackend Backend { get; }

    /// <summary>Creates a context from a master key and salt, deriving SRTP and SRTCP session keys (RFC 3711 §4.3).</summary>
    public static SrtpContext Create(SrtpProtectionProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt) =>
        Create(profile, masterKey, masterSalt, SrtpCryptoBackend.Auto);

    /// <inheritdoc cref="Create(SrtpProtectionProfile, ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>
    public static SrtpContext Create(
        SrtpProtectionProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, SrtpCryptoBackend backend,
        int maxStreams = SrtpStreamTable.MaxStreams)
    {
        if (masterKey.Length != SrtpProfileInfo.KeyLength(profile) || masterSalt.Length != SrtpProfileInfo.SaltLength(profile))
        {
            throw new ArgumentException($"Master key/salt lengths do not match {profile}.", nameof(masterKey));
        }

        return FromSessionKeys(
            profile,
            SrtpKeyDerivation.DeriveSessionKeys(profile, masterKey, masterSalt, rtcp: false),
            SrtpKeyDerivation.DeriveSessionKeys(profile, masterKey, masterSalt, rtcp: true),
            backend,
            maxStreams);
    }

    /// <summary>Creates a context from already derived session keys (test vectors are stated this way).</summary>
    public static SrtpContext FromSessionKeys(
        SrtpProtectionProfile profile, SrtpSessionKeys rtpKeys, SrtpSessionKeys rtcpKeys, SrtpCryptoBackend backend,
        int maxStreams = SrtpStreamTable.MaxStreams)
    {
        backend = backend.Resolve();
        SrtpCipher rtp = SrtpCipher.Create(profile, rtpKeys, backend);
        try
        {
            return new SrtpContext(profile, rtp, SrtpCipher.Create(profile, rtcpKeys, backend), backend, maxStreams);
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
    /// client_write_salt | server_write_salt) into our outbound context and the peer's inbound context. The outbound
    /// one tracks up to <see cref="SrtpStreamTable.MaxSentStreams"/> SSRCs (ours: one per consumer), the inbound one
    /// <paramref name="remoteMaxStreams"/> (the peer's: a publisher's few by default).
    /// </summary>
    public static (SrtpContext Local, SrtpContext Remote) FromDtlsKeyingMaterial(
        SrtpProtectionProfile profile, ReadOnlySpan<byte> material, bool localIsDtlsClient, SrtpCryptoBackend backend = SrtpCryptoBackend.Auto,
        int remoteMaxStreams = SrtpStreamTable.MaxStreams)
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
        SrtpContext client = Create(profile, clientKey, clientSalt, backend, localIsDtlsClient ? SrtpStreamTable.MaxSentStreams : remoteMaxStreams);
        try
        {
            SrtpContext server = Create(profile, serverKey, serverSalt, backend, localIsDtlsClient ? remoteMaxStreams : SrtpStreamTable.MaxSentStreams);
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

    // SRTP (RFC 3711 §3.3, RFC 7714 §8).

    /// <summary>
    /// Protects the RTP packet in <c>buffer[..length]</c> in place (RFC 3711 §3.3); <paramref name="buffer"/> must
    /// have room for the tag. Returns false for a malformed header, no room, or too many SSRCs.
    /// </summary>
    public bool TryProtectRtp(Span<byte> buffer, int length, out int protectedLength)
    {
        protectedLength = 0;
        if ((uint)length > (uint)buffer.Length
            || length + _rtp.TagLength > buffer.Length
            || RtpHeader.TryGetHeaderLength(buffer[..length], out int headerLength) != DropReason.None)
        {
            return false;
        }

        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[8..]);
        ushort seq = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        ref SrtpStreamTable.Entry stream = ref _rtpStreams.Find(ssrc);
        long index = seq; // A new stream starts with ROC 0 (RFC 3711 §3.3.1).
        if (Unsafe.IsNullRef(ref stream))
        {
            stream = ref _rtpStreams.Add(ssrc);
            if (Unsafe.IsNullRef(ref stream))
            {
                return false;
            }
        }
        else
        {
            index = RolloverCounter.EstimateIndex(stream.Window.Highest, seq);
            if (index < 0)
            {
                return false;
            }
        }

        protectedLength = _rtp.ProtectRtp(buffer, headerLength, length, ssrc, (ulong)index);
        stream.Window.Commit((ulong)index);
        return true;
    }

    /// <summary>
    /// Authenticates and decrypts the SRTP packet in <c>buffer[..length]</c> in place (RFC 3711 §3.3). Stream
    /// state (ROC, replay window, new SSRC) is committed only after the tag verified.
    /// </summary>
    public bool TryUnprotectRtp(Span<byte> buffer, int length, out int plainLength, out DropReason reason)
    {
        plainLength = 0;
        if ((uint)length > (uint)buffer.Length)
        {
            reason = DropReason.Truncated;
            return false;
        }

        Span<byte> packet = buffer[..length];
        reason = RtpHeader.TryGetHeaderLength(packet, out int headerLength);
        if (reason != DropReason.None)
        {
            return false;
        }

        if (headerLength + _rtp.TagLength > length)
        {
            reason = DropReason.Truncated;
            return false;
        }

        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[8..]);
        ushort seq = BinaryPrimitives.ReadUInt16BigEndian(packet[2..]);
        ref SrtpStreamTable.Entry stream = ref _rtpStreams.Find(ssrc);
        long index = seq;
        if (Unsafe.IsNullRef(ref stream))
        {
            if (_rtpStreams.IsFull)
            {
                reason = DropReason.SrtpTooManyStreams;
                return false;
            }
        }
        else
        {
            index = RolloverCounter.EstimateIndex(stream.Window.Highest, seq);
            reason = index < 0 ? DropReason.SrtpTooOld : stream.Window.Check((ulong)index);
            if (reason != DropReason.None)
            {
                return false;
            }
        }

        if (!_rtp.UnprotectRtp(packet, headerLength, length, ssrc, (ulong)index))
        {
            reason = DropReason.SrtpAuthFailed;
            return false;
        }

        if (Unsafe.IsNullRef(ref stream))
        {
            stream = ref _rtpStreams.Add(ssrc);
        }

        stream.Window.Commit((ulong)index);
        plainLength = length - _rtp.TagLength;
        return true;
    }

    // SRTCP (RFC 3711 §3.4, RFC 7714 §9).

    /// <summary>
    /// Protects the RTCP compound packet in <c>buffer[..length]</c> in place (RFC 3711 §3.4), always encrypted
    /// (E = 1), with the next SRTCP index of the sender SSRC. Returns false for a malformed header or no room.
    /// </summary>
    public bool TryProtectRtcp(Span<byte> buffer, int length, out int protectedLength)
    {
        protectedLength = 0;
        if ((uint)length > (uint)buffer.Length
            || length < RtcpFixedHeader
            || length + _rtcp.TagLength + 4 > buffer.Length
            || buffer[0] >> 6 != 2)
        {
            return false;
        }

        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[4..]);
        ref SrtpStreamTable.Entry stream = ref _rtcpStreams.Find(ssrc);
        if (Unsafe.IsNullRef(ref stream))
        {
            stream = ref _rtcpStreams.Add(ssrc);
            if (Unsafe.IsNullRef(ref stream))
            {
                return false;
            }
        }

        // NOTE: the 31-bit index wraps after 2^31 packets; RFC 3711 §9.2 asks for re-keying long before that.
        uint index = stream.Window.Initialized ? (uint)(stream.Window.Highest + 1) & SrtcpIndexMask : 0;
        protectedLength = _rtcp.ProtectRtcp(buffer, length, ssrc, index);
        if (index == 0 && stream.Window.Initialized)
        {
            stream.Window = default;
        }

        stream.Window.Commit(index);
        return true;
    }

    /// <summary>
    /// Authenticates and (when E = 1) decrypts the SRTCP packet in <c>buffer[..length]</c> in place
    /// (RFC 3711 §3.4); replay-checks the SRTCP index and commits it only after the tag verified.
    /// </summary>
    public bool TryUnprotectRtcp(Span<byte> buffer, int length, out int plainLength, out DropReason reason)
    {
        plainLength = 0;
        if ((uint)length > (uint)buffer.Length || length < RtcpFixedHeader + 4 + _rtcp.TagLength)
        {
            reason = DropReason.Truncated;
            return false;
        }

        Span<byte> packet = buffer[..length];
        if (packet[0] >> 6 != 2)
        {
            reason = DropReason.RtcpBadVersion;
            return false;
        }

        uint word = BinaryPrimitives.ReadUInt32BigEndian(packet[_rtcp.RtcpIndexOffset(length)..]);
        bool encrypted = (word & 0x8000_0000u) != 0;
        uint index = word & SrtcpIndexMask;
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(packet[4..]);
        ref SrtpStreamTable.Entry stream = ref _rtcpStreams.Find(ssrc);
        if (Unsafe.IsNullRef(ref stream))
        {
            if (_rtcpStreams.IsFull)
            {
                reason = DropReason.SrtpTooManyStreams;
                return false;
            }
        }
        else
        {
            reason = stream.Window.Check(index);
            if (reason != DropReason.None)
            {
                return false;
            }
        }

        if (!_rtcp.UnprotectRtcp(packet, length, ssrc, index, encrypted))
        {
            reason = DropReason.SrtpAuthFailed;
            return false;
        }

        if (Unsafe.IsNullRef(ref stream))
        {
            stream = ref _rtcpStreams.Add(ssrc);
        }

        stream.Window.Commit(index);
        plainLength = length - 4 - _rtcp.TagLength;
        reason = DropReason.None;
        return true;
    }
}
