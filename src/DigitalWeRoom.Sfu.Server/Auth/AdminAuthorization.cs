using System.Net;
using System.Security.Cryptography;
using System.Text;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;
using DigitalWeRoom.Sfu.Server.Endpoints;

namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>
/// Who may use operator endpoints: <c>Authorization: Bearer</c> with an API secret, the <c>Sfu:AdminKey</c>, or a
/// room token carrying <c>serverAdmin</c>. With neither keys nor an admin key configured, loopback callers only.
/// </summary>
public sealed class AdminAuthorization(RoomTokenService tokens, IOptions<SfuOptions> sfu)
{
    /// <summary>True when a credential is needed (keys or an admin key configured); false: loopback callers only.</summary>
    public bool Locked => tokens.Enabled || !string.IsNullOrEmpty(sfu.Value.AdminKey);

    /// <summary>
    /// The Room API's check: 401 when no or a bad credential is given, 403 when a valid token lacks the grant. A
    /// <c>roomAdmin</c> token is admin for its own <paramref name="room"/> only; with no room, <c>serverAdmin</c> is needed.
    /// </summary>
    public AdminAccess Authorize(HttpContext context, string? room = null)
    {
        if (IsAdmin(context, out string error))
        {
            return AdminAccess.Granted;
        }

        string header = context.Request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        string credential = header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? header[Prefix.Length..].Trim() : "";
        if (!Locked || !tokens.Enabled || credential.Count(c => c == '.') != 2)
        {
            return new AdminAccess(StatusCodes.Status401Unauthorized, error);
        }

        RoomTokenResult result = tokens.Validate(credential);
        if (!result.IsValid)
        {
            return new AdminAccess(StatusCodes.Status401Unauthorized, result.Error);
        }

        VideoGrant video = result.Grant!.Video;
        if (room is not null && video.RoomAdmin && Rooms.RoomName.Same(video.Room, room))
        {
            return AdminAccess.Granted;
        }

        return new AdminAccess(StatusCodes.Status403Forbidden, room is null
            ? "the token is valid but carries no serverAdmin grant"
            : $"the token is valid but grants neither serverAdmin nor roomAdmin for room '{room}'");
    }

    public bool IsAdmin(HttpContext context, out string error)
    {
        string? adminKey = sfu.Value.AdminKey;
        if (!tokens.Enabled && string.IsNullOrEmpty(adminKey))
        {
            bool loopback = context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);
            error = loopback ? "" : "no keys are configured: the operator API answers localhost only";
            return loopback;
        }

        string header = context.Request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || header.Length == Prefix.Length)
        {
            error = "send Authorization: Bearer <API secret, admin key or serverAdmin token>";
            return false;
        }

        string credential = header[Prefix.Length..].Trim();
        if (tokens.IsApiSecret(credential)
            || (!string.IsNullOrEmpty(adminKey) && CryptographicOperations.FixedTimeEquals(
                SHA256.HashData(Encoding.UTF8.GetBytes(credential)), SHA256.HashData(Encoding.UTF8.GetBytes(adminKey)))))
        {
            error = "";
            return true;
        }

        if (tokens.Enabled && credential.Count(c => c == '.') == 2)
        {
            RoomTokenResult result = tokens.ValidateServerAdmin(credential);
            error = result.Error;
            return result.IsValid;
        }

        error = "the credential is not an API secret, the admin key or a serverAdmin token";
        return false;
    }
}

/// <summary>The outcome of <see cref="AdminAuthorization.Authorize"/>: <see cref="Status"/> 200, 401 or 403 and why.</summary>
public readonly record struct AdminAccess(int Status, string Error)
{
    public static AdminAccess Granted => new(StatusCodes.Status200OK, "");

    public bool IsGranted => Status == StatusCodes.Status200OK;

    /// <summary>The JSON error answer: <c>{"error": "unauthorized"|"forbidden", "reason": ...}</c>.</summary>
    public IResult ToResult() => ApiError.Result(Status, Status == StatusCodes.Status403Forbidden ? "forbidden" : "unauthorized", Error);
}
