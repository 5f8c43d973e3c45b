namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// The direction attribute of an m= section, always from the point of view of the side that wrote
/// it (RFC 8866 §6.7, RFC 3264 §6.1). Values are stable.
/// </summary>
internal enum MediaDirection : byte
{
    SendRecv = 1,
    SendOnly = 2,
    RecvOnly = 3,
    Inactive = 4,
}

internal static class MediaDirectionExtensions
{
    public static string ToSdpName(this MediaDirection direction) => direction switch
    {
        MediaDirection.SendRecv => "sendrecv",
        MediaDirection.SendOnly => "sendonly",
        MediaDirection.RecvOnly => "recvonly",
        _ => "inactive",
    };

    public static bool TryParse(string name, out MediaDirection direction)
    {
        switch (name)
        {
            case "sendrecv":
                direction = MediaDirection.SendRecv;
                return true;
            case "sendonly":
                direction = MediaDirection.SendOnly;
                return true;
            case "recvonly":
                direction = MediaDirection.RecvOnly;
                return true;
            case "inactive":
                direction = MediaDirection.Inactive;
                return true;
            default:
                direction = default;
                return false;
        }
    }

    public static bool Sends(this MediaDirection direction) =>
        direction is MediaDirection.SendRecv or MediaDirection.SendOnly;

    public static bool Receives(this MediaDirection direction) =>
        direction is MediaDirection.SendRecv or MediaDirection.RecvOnly;

    /// <summary>
    /// Whether <paramref name="answer"/> is a legal answer to <paramref name="offer"/>: the answerer may only
    /// send where the offerer receives and receive where the offerer sends (RFC 3264 §6.1).
    /// </summary>
    public static bool IsValidAnswerTo(this MediaDirection answer, MediaDirection offer) =>
        (!answer.Sends() || offer.Receives()) && (!answer.Receives() || offer.Sends());
}
