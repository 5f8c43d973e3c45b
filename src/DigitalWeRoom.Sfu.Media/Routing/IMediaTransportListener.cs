using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// What a <see cref="MediaTransport"/> tells the layer above it (the conference layer's session). The media side
/// never calls upward any other way.
/// </summary>
public interface IMediaTransportListener
{
    /// <summary>The underlying transport changed state (receive, DTLS or consent thread).</summary>
    void OnTransportStateChanged(WebRtcTransport transport, WebRtcTransportState state);

    /// <summary>
    /// Congestion control paused or resumed a video to this subscriber (on the thread that allocated: the transport's
    /// receive loop, or room control); <see cref="Consumer.IsBandwidthPaused"/> says which.
    /// </summary>
    void OnBandwidthPausesChanged(MediaTransport transport);
}
