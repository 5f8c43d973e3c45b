using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>Adapts a <see cref="WebRtcTransport"/> (SRTP protect in place + send to the selected tuple) to <see cref="IRtpPacketSender"/>.</summary>
internal sealed class WebRtcTransportSender(WebRtcTransport transport) : IRtpPacketSender
{
    public WebRtcTransport Transport { get; } = transport;

    public bool TrySendRtp(Span<byte> buffer, int length) => Transport.TrySendRtp(buffer, length);

    public bool TrySendRtcp(Span<byte> buffer, int length) => Transport.TrySendRtcp(buffer, length);
}
