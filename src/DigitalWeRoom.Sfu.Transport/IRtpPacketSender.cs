namespace DigitalWeRoom.Sfu.Transport;

/// <summary>
/// What the media side needs from a transport to send: protect in place and send. <paramref name="buffer"/> holds the
/// plain packet in its first <c>length</c> bytes and has room after it for the SRTP/SRTCP overhead.
/// <see cref="WebRtcTransport"/> implements it; media tests use fakes. Called only from one send loop per transport.
/// </summary>
public interface IRtpPacketSender
{
    bool TrySendRtp(Span<byte> buffer, int length);

    bool TrySendRtcp(Span<byte> buffer, int length);
}
