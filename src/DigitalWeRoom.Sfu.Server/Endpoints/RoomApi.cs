using System.Net;
using System.Security.Cryptography;
using System.Text;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Endpoints;

/// <summary><c>GET /api/rooms</c>: rooms with name, mode and participants (id, name, published tracks).</summary>
public static class RoomApi
{
    public static IEndpointConventionBuilder MapRoomApi(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/api/rooms", (HttpContext context, RoomRegistry rooms, IOptions<SfuOptions> options) =>
            IsAllowed(context, options.Value.AdminKey)
                ? Results.Json(rooms.Snapshot())
                : Results.Json(new { error = "forbidden", reason = "configure Sfu:AdminKey and send Authorization: Bearer <key>, or call from localhost" },
                    statusCode: StatusCodes.Status401Unauthorized));

    internal static bool IsAllowed(HttpContext context, string? adminKey)
    {
        if (string.IsNullOrEmpty(adminKey))
        {
            // Embedded default: open on localhost only.
            return context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = Encoding.UTF8.GetBytes(header[prefix.Length..].Trim());
        var expected = Encoding.UTF8.GetBytes(adminKey);
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(given), SHA256.HashData(expected));
    }
}
