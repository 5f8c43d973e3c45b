using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.Transport;

/// <summary>
/// Upward calls of a transport, all made on the endpoint's receive thread except
/// <see cref="OnStateChanged"/>, which may also come from the DTLS or consent-timer thread.
/// Packets are valid only during the call; <see cref="PooledPacket.AddRef"/> to keep one.
/// </summary>
public interface IWebRtcTransportListener
{
    void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state);

    /// <summary>An authenticated RTP packet, decrypted in place (<see cref="PooledPacket.Span"/> is plain RTP).</summary>
    void OnRtp(WebRtcTransport transport, PooledPacket packet);

    /// <summary>An authenticated RTCP compound packet, decrypted in place.</summary>
    void OnRtcp(WebRtcTransport transport, PooledPacket packet);
}

/// <summary>The listener of a transport nobody has attached to yet: hears nothing, keeps nothing.</summary>
internal sealed class NoListener : IWebRtcTransportListener
{
    public static readonly NoListener Instance = new();

    public void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state)
    {
    }

    public void OnRtp(WebRtcTransport transport, PooledPacket packet)
    {
    }

    public void OnRtcp(WebRtcTransport transport, PooledPacket packet)
    {
    }
}
