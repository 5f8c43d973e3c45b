namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// The desired state of one participant's connection. <see cref="SfuNegotiator.TryCreateOffer"/> turns the
/// difference between this and the last negotiated state into the next offer.
/// </summary>
/// <param name="PublishAudio">Offer a recvonly audio m= section for the microphone.</param>
/// <param name="PublishVideo">Offer a recvonly video m= section for the camera.</param>
/// <param name="PublishScreen">Offer a second recvonly video m= section for a screen share.</param>
/// <param name="Subscriptions">Remote tracks to forward; order decides which new m= section comes first.</param>
public sealed record OfferRequest(
    bool PublishAudio,
    bool PublishVideo,
    bool PublishScreen,
    IReadOnlyList<SubscribedTrack> Subscriptions);
