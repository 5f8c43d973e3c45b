using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Server.Endpoints;

/// <summary>
/// <c>GET /api/rooms/{room}/summary</c>: how many people are in a room and its mode, for the pre-join screen
/// ("2 people, direct connection"). No names or ids. When the server requires tokens, the caller must present a
/// token for that room (<c>Authorization: Bearer</c>), so nobody learns who meets where without an invitation.
/// Rate limited per client (<c>Sfu:Page:SummariesPerIpPerMinute</c>, keyed like joins); never creates a room.
/// </summary>
internal static class RoomSummaryEndpoint
{
    public static void MapRoomSummary(this WebApplication app)
    {
        var limiter = app.Services.GetRequiredService<Networking.RoomSummaryRateLimiter>();
        app.MapGet("/api/rooms/{room}/summary", (string room, HttpContext context, RoomRegistry rooms, Auth.IJoinAuthorizer authorizer) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            switch (limiter.Acquire(context.Connection.RemoteIpAddress))
            {
                case Networking.PermitOutcome.ClientOverLimit:
                    return ApiError.Result(StatusCodes.Status429TooManyRequests, "rate-limited", $"at most {limiter.PerMinute} room summaries a minute");
                case Networking.PermitOutcome.TooManyClients:
                    return ApiError.Result(StatusCodes.Status503ServiceUnavailable, "server-busy", "room summaries are asked from too many addresses at once; try again in a minute");
            }

            if (!SignalingValidator.IsValidRoomName(room))
            {
                return ApiError.Result(StatusCodes.Status400BadRequest, "bad-request", "not a room name");
            }

            if (authorizer.TokensRequired)
            {
                var header = context.Request.Headers.Authorization.ToString();
                var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
                if (!authorizer.AuthorizeJoin(token, room, out _, out var why))
                {
                    return ApiError.Result(StatusCodes.Status401Unauthorized, "unauthorized", why);
                }
            }

            var snapshot = rooms.Find(room)?.Snapshot;
            return Results.Json(new RoomSummary(room, snapshot?.Participants.Count ?? 0, snapshot?.Mode ?? ModeNames.Sfu), ApiJsonContext.Default.RoomSummary);
        });
    }
}
