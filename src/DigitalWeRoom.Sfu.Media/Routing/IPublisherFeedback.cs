namespace DigitalWeRoom.Sfu.Media.Routing;

/// <summary>
/// What a <see cref="Producer"/> or <see cref="Consumer"/> asks of the publisher side: RTCP feedback toward the
/// participant that publishes a track. The media core's only upward call from a track (no reference to the router);
/// implemented by <see cref="Feedback.PublisherFeedback"/>.
/// </summary>
public interface IPublisherFeedback
{
    /// <summary>Asks the publisher of a video <paramref name="producer"/> for a key frame (PLI), throttled per producer.</summary>
    void RequestKeyFrame(Producer producer);

    /// <summary>Sends the publisher a generic NACK for the packets of <paramref name="producer"/> that are due now.</summary>
    void SendNack(Producer producer, long now);
}

/// <summary>
/// Told when a simulcast consumer's wanted layer, pause state or existence changed, so the track's dynacast mask is
/// computed again; implemented by <see cref="Dynacast"/>.
/// </summary>
internal interface ILayerDemandListener
{
    void OnPreferredLayerChanged(Consumer consumer);
}
