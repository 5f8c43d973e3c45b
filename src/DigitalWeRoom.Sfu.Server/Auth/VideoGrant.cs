namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>
/// What a room token allows, carried in its <c>video</c> claim (in the manner of LiveKit's video grant).
/// <see cref="Room"/> is matched exactly: no wildcards.
/// </summary>
public sealed record VideoGrant
{
    public string? Room { get; init; }

    public bool CanPublish { get; init; } = true;

    public bool CanSubscribe { get; init; } = true;

    /// <summary>May remove participants and mute tracks in <see cref="Room"/>.</summary>
    public bool RoomAdmin { get; init; }

    /// <summary>May call the operator API (<c>/api/token</c>, rooms) for every room; such a token needs no room.</summary>
    public bool ServerAdmin { get; init; }
}

/// <summary>A validated token's identity and grant, as the join handler uses it.</summary>
public sealed record JoinGrant(string Identity, string? Name, VideoGrant Video, string ApiKey, DateTimeOffset ExpiresAt)
{
    /// <summary>The grant of an open server (no keys configured): anyone may publish and subscribe.</summary>
    public static JoinGrant Open(string room) =>
        new("", null, new VideoGrant { Room = room, CanPublish = true, CanSubscribe = true }, "", DateTimeOffset.MaxValue);
}

/// <summary>Why a token was refused; the text of <see cref="RoomTokenResult.Error"/> says the same in words.</summary>
public enum TokenRejection
{
    None = 0,
    Missing,
    Malformed,
    AlgorithmNotAllowed,
    UnknownKey,
    BadSignature,
    Expired,
    NotYetValid,
    MissingClaim,
    WrongRoom,
    NotAdmin,
}

/// <summary>The outcome of <see cref="RoomTokenService.Validate"/>.</summary>
public readonly record struct RoomTokenResult(TokenRejection Rejection, string Error, JoinGrant? Grant)
{
    public bool IsValid => Rejection == TokenRejection.None;

    public static RoomTokenResult Fail(TokenRejection rejection, string error) => new(rejection, error, null);
}
