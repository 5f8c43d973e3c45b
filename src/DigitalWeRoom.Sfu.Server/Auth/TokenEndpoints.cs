using System.Security.Cryptography;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Endpoints;

namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>
/// <c>POST /api/token</c> (operators: mint a token for any room and identity) and
/// <c>GET /api/token/guest?room=&amp;name=</c> (the meeting page, when <c>Sfu:Auth:AllowGuests</c> is on) and
/// <c>GET /api/token/config</c> (<c>{required, allowGuests, tokenUrl}</c>: how the page gets its token).
/// </summary>
public static class TokenEndpoints
{
    /// <summary>Body of <c>POST /api/token</c>. <c>ttl</c> as "90s", "30m", "1h", "2d" or "hh:mm:ss".</summary>
    public sealed record TokenRequestBody(
        string? Room, string? Identity, string? Name, string? Ttl, bool? CanPublish, bool? CanSubscribe, bool? RoomAdmin, bool? ServerAdmin);

    public static IEndpointRouteBuilder MapTokenApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/api/token", (TokenRequestBody body, HttpContext context, RoomTokenService tokens, AdminAuthorization admin) =>
        {
            if (!tokens.Enabled)
            {
                return Error(StatusCodes.Status409Conflict, "tokens-disabled", $"no API keys are configured ({AuthOptions.SectionName}:Keys); joins are open");
            }

            if (!admin.IsAdmin(context, out string why))
            {
                return Error(StatusCodes.Status401Unauthorized, "unauthorized", why);
            }

            bool serverAdmin = body.ServerAdmin ?? false;
            if (!serverAdmin && !SignalingValidator.IsValidRoomName(body.Room))
            {
                return Error(StatusCodes.Status400BadRequest, "bad-room", "room: 1-64 letters, digits, '-', '_' or '.'");
            }

            if (string.IsNullOrWhiteSpace(body.Identity) || body.Identity.Length > SignalingValidator.MaxIdLength)
            {
                return Error(StatusCodes.Status400BadRequest, "bad-identity", $"identity: 1-{SignalingValidator.MaxIdLength} characters");
            }

            if (body.Name is not null && !SignalingValidator.IsValidDisplayName(body.Name))
            {
                return Error(StatusCodes.Status400BadRequest, "bad-name", "name: 1-64 printable characters");
            }

            TimeSpan? ttl = null;
            if (body.Ttl is not null)
            {
                if (!Ttl.TryParse(body.Ttl, out TimeSpan parsed) || parsed <= TimeSpan.Zero || parsed > tokens.Options.MaxTtl)
                {
                    return Error(StatusCodes.Status400BadRequest, "bad-ttl", $"ttl: like 90s, 30m, 1h, 2d; at most {tokens.Options.MaxTtl}");
                }

                ttl = parsed;
            }

            var grant = new VideoGrant
            {
                Room = body.Room,
                CanPublish = body.CanPublish ?? true,
                CanSubscribe = body.CanSubscribe ?? true,
                RoomAdmin = body.RoomAdmin ?? false,
                ServerAdmin = serverAdmin,
            };
            IssuedToken issued = tokens.Issue(new RoomTokenRequest(body.Identity, body.Name, grant, ttl));
            return Results.Json(new TokenIssued(issued.Token, issued.ExpiresAt, body.Room, body.Identity), ApiJsonContext.Default.TokenIssued);
        });

        // What the meeting page needs to know to get a token (wwwroot/js/token.js); nothing secret.
        endpoints.MapGet("/api/token/config", (RoomTokenService tokens) => Results.Json(new TokenConfig(
            tokens.Enabled,
            tokens.Enabled && tokens.Options.AllowGuests,
            tokens.Enabled && !string.IsNullOrEmpty(tokens.Options.TokenUrl) ? tokens.Options.TokenUrl : null), ApiJsonContext.Default.TokenConfig));

        endpoints.MapGet("/api/token/guest", (string? room, string? name, RoomTokenService tokens) =>
        {
            if (!tokens.Enabled)
            {
                // An open server needs no token: the page joins without one.
                return Results.Json(new NoTokenNeeded(null, false), ApiJsonContext.Default.NoTokenNeeded);
            }

            if (!tokens.Options.AllowGuests)
            {
                return Error(StatusCodes.Status403Forbidden, "guests-disabled", "this server admits only participants with a token from its operator");
            }

            if (!SignalingValidator.IsValidRoomName(room))
            {
                return Error(StatusCodes.Status400BadRequest, "bad-room", "room: 1-64 letters, digits, '-', '_' or '.'");
            }

            if (name is not null && !SignalingValidator.IsValidDisplayName(name))
            {
                return Error(StatusCodes.Status400BadRequest, "bad-name", "name: 1-64 printable characters");
            }

            string identity = "guest-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
            IssuedToken issued = tokens.Issue(new RoomTokenRequest(identity, name, new VideoGrant { Room = room }, tokens.Options.GuestTtl));
            return Results.Json(new GuestTokenIssued(issued.Token, issued.ExpiresAt, room, identity, true), ApiJsonContext.Default.GuestTokenIssued);
        });

        return endpoints;
    }

    private static IResult Error(int status, string code, string reason) => ApiError.Result(status, code, reason);
}
