using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Dtls;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Srtp;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport;

/// <summary>
/// The media half of <see cref="WebRtcTransport"/>: SRTP/SRTCP in place (RFC 3711, RFC 7714) with
/// RFC 5761 demultiplexing, on the receive thread inbound and the sender's thread outbound.
/// </summary>
public sealed partial class WebRtcTransport
{
    /// <summary>
    /// Protects RTP in place and sends it to the selected tuple. <paramref name="buffer"/> must have
    /// <see cref="SrtpContext.MaxOverhead"/> bytes of room after <paramref name="length"/>. One sender thread.
    /// </summary>
    public bool TrySendRtp(Span<byte> buffer, int length)
    {
        SrtpContext? srtp = Volatile.Read(ref _srtpLocal);
        CandidatePair? path = Volatile.Read(ref _selected);
        if (srtp is null || path is null || !TryProtectRtp(srtp, buffer, length, out int protectedLength))
        {
            return false;
        }
        if (!path.Socket.Send(buffer[..protectedLength], path.Address))
        {
            return false;
        }
        if (Interlocked.Increment(ref _rtpSent) == 1)
        {
            Timeline.OnFirstRtpOut(_endpoint.Options.TimeProvider);
        }
        return true;
    }

    /// <summary>Protects an RTCP compound packet in place (SRTCP) and sends it to the selected tuple.</summary>
    public bool TrySendRtcp(Span<byte> buffer, int length)
    {
        SrtpContext? srtp = Volatile.Read(ref _srtpLocal);
        CandidatePair? path = Volatile.Read(ref _selected);
        if (srtp is null || path is null || !TryProtectRtcp(srtp, buffer, length, out int protectedLength))
        {
            return false;
        }
        if (!path.Socket.Send(buffer[..protectedLength], path.Address))
        {
            return false;
        }
        Interlocked.Increment(ref _rtcpSent);
        return true;
    }

    private static bool TryProtectRtp(SrtpContext srtp, Span<byte> buffer, int length, out int protectedLength)
    {
        try
        {
            return srtp.TryProtectRtp(buffer, length, out protectedLength);
        }
        catch (ObjectDisposedException)
        {
            // Closed concurrently by another thread.
            protectedLength = 0;
            return false;
        }
    }

    private static bool TryProtectRtcp(SrtpContext srtp, Span<byte> buffer, int length, out int protectedLength)
    {
        try
        {
            return srtp.TryProtectRtcp(buffer, length, out protectedLength);
        }
        catch (ObjectDisposedException)
        {
            protectedLength = 0;
            return false;
        }
    }

    /// <summary>Receive thread: SRTP or SRTCP (RFC 5761 demux), unprotected in place.</summary>
    internal void OnSrtpDatagram(PooledPacket packet)
    {
        SrtpContext? srtp = Volatile.Read(ref _srtpRemote);
        if (srtp is null)
        {
            if (!TryHoldEarly(packet))
            {
                Drops.Increment(DropReason.NotConnected);
            }
            return;
        }
        try
        {
            if (Volatile.Read(ref _earlyCount) > 0)
            {
                DrainEarly(srtp);
            }
            Unprotect(srtp, packet);
        }
        catch (ObjectDisposedException)
        {
            // The transport closed on another thread while this packet was in flight.
            Drops.Increment(DropReason.NotConnected);
        }
    }

    /// <summary>
    /// The peer may send SRTP as soon as it has our DTLS Finished, a moment before our side has
    /// derived the keys. Hold a few such packets (Chromium's first video packets start a key frame)
    /// and unprotect them, in order, before the next packet. Receive thread; the lock only guards
    /// against a concurrent <see cref="Terminate"/>.
    /// </summary>
    private bool TryHoldEarly(PooledPacket packet)
    {
        if (State is not (WebRtcTransportState.Checking or WebRtcTransportState.Connected))
        {
            return false;
        }
        lock (_earlyLock)
        {
            if (State is not (WebRtcTransportState.Checking or WebRtcTransportState.Connected) || _earlyCount == EarlyCapacity)
            {
                return false;
            }
            _early ??= new PooledPacket[EarlyCapacity];
            packet.AddRef();
            _early[_earlyCount] = packet;
            Volatile.Write(ref _earlyCount, _earlyCount + 1);
            return true;
        }
    }

    private void DrainEarly(SrtpContext srtp)
    {
        Span<PooledPacket?> held = new PooledPacket?[EarlyCapacity];
        int count;
        lock (_earlyLock)
        {
            count = _earlyCount;
            for (int i = 0; i < count; i++)
            {
                held[i] = _early![i];
                _early[i] = null!;
            }
            Volatile.Write(ref _earlyCount, 0);
        }
        for (int i = 0; i < count; i++)
        {
            try
            {
                Unprotect(srtp, held[i]!);
            }
            finally
            {
                held[i]!.Release();
            }
        }
    }

    private void ReleaseEarly()
    {
        lock (_earlyLock)
        {
            for (int i = 0; i < _earlyCount; i++)
            {
                _early![i].Release();
                _early[i] = null!;
            }
            Volatile.Write(ref _earlyCount, 0);
        }
    }

    private void Unprotect(SrtpContext srtp, PooledPacket packet)
    {
        int plainLength;
        DropReason reason;
        if (PacketClassifier.IsRtcp(packet.Span))
        {
            if (!srtp.TryUnprotectRtcp(packet.Buffer, packet.Length, out plainLength, out reason))
            {
                Drops.Increment(reason);
                return;
            }
            packet.Length = plainLength;
            Interlocked.Increment(ref _rtcpReceived);
            _listener.OnRtcp(this, packet);
        }
        else
        {
            if (!srtp.TryUnprotectRtp(packet.Buffer, packet.Length, out plainLength, out reason))
            {
                Drops.Increment(reason);
                return;
            }
            packet.Length = plainLength;
            if (Interlocked.Increment(ref _rtpReceived) == 1)
            {
                Timeline.OnFirstRtpIn(_endpoint.Options.TimeProvider);
            }
            _listener.OnRtp(this, packet);
        }
    }

}
