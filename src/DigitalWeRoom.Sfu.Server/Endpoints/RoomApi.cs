using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Server.Auth;

namespace DigitalWeRoom.Sfu.Server.Endpoints;

/// <summary>
/// The operator Room API (docs/security.md, docs/signaling.md). Every call needs an admin credential
/// (<see cref="AdminAuthorization"/>): the API secret, <c>Sfu:AdminKey</c> or a <c>serverAdmin</c> token; calls on one room
/// also accept a <c>roomAdmin</c> token for that room. With nothing configured, loopback callers only.
/// <list type="bullet">
/// <item><c>GET /api/rooms</c>: rooms with name, mode, participants (id, name, tracks, mute state).</item>
/// <item><c>GET /api/rooms/{room}/participants</c>: one room's participants.</item>
/// <item><c>DELETE /api/rooms/{room}/participants/{id}</c>: remove a participant (told <c>removed</c>, then disconnected).</item>
/// <item><c>POST /api/rooms/{room}/participants/{id}/mute</c> <c>{"kind"|"trackId", "muted"}</c>: stop (or resume) forwarding.</item>
/// <item><c>DELETE /api/rooms/{room}</c>: close the room (everyone told <c>room-closed</c>, disconnected, room removed).</item>
/// </list>
/// Errors are JSON <c>{"error": code, "reason": text}</c>: 401 no or bad credential, 403 valid but not admin, 404 unknown
/// room, participant or track, 400 bad body.
/// </summary>
public static class RoomApi
{
    /// <summary>Body of the mute call: <see cref="Kind"/> ("audio"/"video") or <see cref="TrackId"/> (a published track's id).</summary>
    public sealed record MuteBody(string? Kind, string? TrackId, bool? Muted);

    public static IEndpointRouteBuilder MapRoomApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/rooms", (HttpContext context, RoomRegistry rooms, AdminAuthorization admin) =>
            admin.Authorize(context) is { IsGranted: false } denied ? denied.ToResult() : Results.Json(rooms.Snapshot(), ApiJsonContext.Default.IReadOnlyListRoomSnapshot));

        endpoints.MapGet("/api/rooms/{room}/participants", (string room, HttpContext context, RoomRegistry rooms, AdminAuthorization admin) =>
        {
            if (admin.Authorize(context, room) is { IsGranted: false } denied)
            {
                return denied.ToResult();
            }

            return rooms.Find(room)?.Snapshot is { Participants.Count: > 0 } snapshot
                ? Results.Json(snapshot.Participants, ApiJsonContext.Default.IReadOnlyListParticipantInfo)
                : RoomNotFound(room);
        });

        endpoints.MapDelete("/api/rooms/{room}/participants/{id}", async (string room, string id, HttpContext context, RoomRegistry rooms, AdminAuthorization admin) =>
        {
            if (admin.Authorize(context, room) is { IsGranted: false } denied)
            {
                return denied.ToResult();
            }

            if (rooms.Find(room) is not { } target)
            {
                return RoomNotFound(room);
            }

            AdminOutcome outcome = await target.RemoveParticipantAsync(id, context.Request.Query["reason"].ToString());
            return ToResult(outcome, room, id, Results.Json(new ParticipantRemoved(id, room), ApiJsonContext.Default.ParticipantRemoved));
        });

        endpoints.MapPost("/api/rooms/{room}/participants/{id}/mute", async (string room, string id, MuteBody? body, HttpContext context, RoomRegistry rooms, AdminAuthorization admin) =>
        {
            if (admin.Authorize(context, room) is { IsGranted: false } denied)
            {
                return denied.ToResult();
            }

            if (body is null || body.Muted is null || (body.Kind is null) == (body.TrackId is null) || (body.Kind is not null and not ("audio" or "video")))
            {
                return Error(StatusCodes.Status400BadRequest, "bad-request", "send {\"kind\": \"audio\"|\"video\", \"muted\": true|false} or {\"trackId\": \"...\", \"muted\": true|false}");
            }

            if (rooms.Find(room) is not { } target)
            {
                return RoomNotFound(room);
            }

            AdminOutcome outcome = await target.MuteAsync(id, body.TrackId, body.Kind, body.Muted.Value);
            return ToResult(outcome, room, id, Results.Json(new ParticipantMuted(id, room, body.Kind, body.TrackId, body.Muted), ApiJsonContext.Default.ParticipantMuted));
        });

        endpoints.MapDelete("/api/rooms/{room}", async (string room, HttpContext context, RoomRegistry rooms, AdminAuthorization admin) =>
        {
            if (admin.Authorize(context, room) is { IsGranted: false } denied)
            {
                return denied.ToResult();
            }

            if (rooms.Find(room) is not { } target)
            {
                return RoomNotFound(room);
            }

            AdminOutcome outcome = await target.CloseAsync(context.Request.Query["reason"].ToString());
            return ToResult(outcome, room, null, Results.Json(new RoomClosed(room), ApiJsonContext.Default.RoomClosed));
        });

        return endpoints;
    }

    private static IResult ToResult(AdminOutcome outcome, string room, string? participant, IResult done) => outcome switch
    {
        AdminOutcome.Done => done,
        AdminOutcome.ParticipantNotFound => Error(StatusCodes.Status404NotFound, "participant-not-found", $"no participant '{participant}' in room '{room}'"),
        AdminOutcome.TrackNotFound => Error(StatusCodes.Status404NotFound, "track-not-found", $"participant '{participant}' publishes no such track"),
        _ => RoomNotFound(room),
    };

    private static IResult RoomNotFound(string room) => Error(StatusCodes.Status404NotFound, "room-not-found", $"no room '{room}' on this server");

    private static IResult Error(int status, string code, string reason) => ApiError.Result(status, code, reason);
}
