// Partial part: SRTP, with its own state (_rtp cipher, _rtpStreams); it shares no field with the RTCP part.
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Rtp;

namespace DigitalWeRoom.Sfu.Transport.Srtp;

/// <summary>SRTP packet processing (RFC 3711 §3.3, RFC 7714 §8).</summary>
public sealed partial class SrtpContext
{
    private readonly SrtpCipher _rtp;
    private readonly SrtpStreamTable _rtpStreams = new();

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
}
