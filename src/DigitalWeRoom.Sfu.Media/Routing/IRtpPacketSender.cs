namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// What Media needs from a transport to send: protect in place and send. <paramref name="buffer"/> holds the
/// plain packet in its first <c>length</c> bytes and has room after it for the SRTP/SRTCP overhead.
/// The server adapts WebRtcTransport to this. Called only from the transport's <see cref="SubscriberSender"/> loop.
/// </summary>
internal interface IRtpPacketSender
{
    bool TrySendRtp(Span<byte> buffer, int length);

    bool TrySendRtcp(Span<byte> buffer, int length);
}
