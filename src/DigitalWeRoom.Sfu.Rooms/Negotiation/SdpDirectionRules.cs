using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// Offer/answer rules for the direction attribute, always read from the point of view of the side that
/// wrote it (RFC 8866 §6.7, RFC 3264 §6.1).
/// </summary>
internal static class SdpDirectionRules
{
    public static string ToSdpName(this SdpDirection direction) => direction switch
    {
        SdpDirection.SendRecv => "sendrecv",
        SdpDirection.SendOnly => "sendonly",
        SdpDirection.RecvOnly => "recvonly",
        _ => "inactive",
    };

    public static bool Sends(this SdpDirection direction) =>
        direction is SdpDirection.SendRecv or SdpDirection.SendOnly;

    public static bool Receives(this SdpDirection direction) =>
        direction is SdpDirection.SendRecv or SdpDirection.RecvOnly;

    /// <summary>
    /// Whether <paramref name="answer"/> is a legal answer to <paramref name="offer"/>: the answerer may only
    /// send where the offerer receives and receive where the offerer sends (RFC 3264 §6.1).
    /// </summary>
    public static bool IsValidAnswerTo(this SdpDirection answer, SdpDirection offer) =>
        (!answer.Sends() || offer.Receives()) && (!answer.Receives() || offer.Sends());
}
