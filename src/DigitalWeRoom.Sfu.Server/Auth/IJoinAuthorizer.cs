namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>
/// Called by the signaling handler before a join: decides whether <paramref name="token"/> may enter
/// <paramref name="room"/>. With no keys configured every join is allowed (open server).
/// </summary>
public interface IJoinAuthorizer
{
    /// <summary>True when keys are configured and a join without a valid token is refused.</summary>
    bool TokensRequired { get; }

    bool AuthorizeJoin(string? token, string room, out JoinGrant grant, out string error);
}

/// <summary>The <see cref="IJoinAuthorizer"/> backed by <see cref="RoomTokenService"/>.</summary>
public sealed class TokenJoinAuthorizer(RoomTokenService tokens) : IJoinAuthorizer
{
    public bool TokensRequired => tokens.Enabled;

    public bool AuthorizeJoin(string? token, string room, out JoinGrant grant, out string error)
    {
        if (!tokens.Enabled)
        {
            grant = JoinGrant.Open(room);
            error = "";
            return true;
        }

        RoomTokenResult result = tokens.ValidateForRoom(token, room);
        grant = result.Grant ?? JoinGrant.Open(room) with { Video = new VideoGrant { Room = room, CanPublish = false, CanSubscribe = false } };
        error = result.Error;
        return result.IsValid;
    }
}
