// Partial part: SRTCP, with its own state (_rtcp cipher, _rtcpStreams); it shares no field with the RTP part.
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using DigitalWeRoom.Sfu.Protocols;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>SRTCP packet processing (RFC 3711 §3.4, RFC 7714 §9).</summary>
public sealed partial class SrtpContext
{
    private const int RtcpFixedHeader = 8;
    private const uint SrtcpIndexMask = 0x7FFF_FFFF;

    private readonly SrtpCipher _rtcp;
    private readonly SrtpStreamTable _rtcpStreams = new();

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
