using System.Text.Json;
using System.Text.Json.Serialization;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Cluster;
using DigitalWeRoom.Sfu.Server.Dashboard;
using DigitalWeRoom.Sfu.Server.Deploy;
using DigitalWeRoom.Sfu.Server.Health;

namespace DigitalWeRoom.Sfu.Server.Endpoints;

/// <summary>
/// Source-generated JSON for every HTTP API body (ASP.NET's web defaults: camelCase). It is first in the host's
/// <c>HttpJsonOptions</c> resolver chain (request bodies of minimal APIs) and named at each <c>Results.Json</c>, so
/// nothing is serialized by reflection: the JIT build and the Native AOT build answer byte for byte the same.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(DrainStatus))]
[JsonSerializable(typeof(ServerInfo))]
[JsonSerializable(typeof(RoomSummary))]
[JsonSerializable(typeof(IReadOnlyList<RoomSnapshot>))]
[JsonSerializable(typeof(IReadOnlyList<ParticipantInfo>))]
[JsonSerializable(typeof(RoomApi.MuteBody))]
[JsonSerializable(typeof(ParticipantRemoved))]
[JsonSerializable(typeof(ParticipantMuted))]
[JsonSerializable(typeof(RoomClosed))]
[JsonSerializable(typeof(TokenEndpoints.TokenRequestBody))]
[JsonSerializable(typeof(TokenIssued))]
[JsonSerializable(typeof(GuestTokenIssued))]
[JsonSerializable(typeof(NoTokenNeeded))]
[JsonSerializable(typeof(TokenConfig))]
[JsonSerializable(typeof(ServerStats))]
[JsonSerializable(typeof(RoomStats))]
[JsonSerializable(typeof(DeployProblem))]
[JsonSerializable(typeof(IEnumerable<ClusterNodeSummary>))]
[JsonSerializable(typeof(ClusterView))]
[JsonSerializable(typeof(System.Text.Json.Nodes.JsonArray))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;

/// <summary>Every API error body: <c>{error, reason}</c>.</summary>
internal sealed record ApiError(string Error, string Reason)
{
    public static IResult Result(int status, string code, string reason) =>
        Results.Json(new ApiError(code, reason), ApiJsonContext.Default.ApiError, statusCode: status);
}

/// <summary><c>POST/DELETE /api/admin/drain</c>.</summary>
internal sealed record DrainStatus(bool Draining, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason);

/// <summary><c>GET /api/info</c>: what the pages show about this deployment.</summary>
internal sealed record ServerInfo(string? DisplayName, IReadOnlyList<string> EmbedOrigins);

/// <summary><c>GET /api/rooms/{room}/summary</c>.</summary>
internal sealed record RoomSummary(string Room, int Participants, string Mode);

/// <summary>Answers of the room admin calls.</summary>
internal sealed record ParticipantRemoved(string Removed, string Room);

internal sealed record ParticipantMuted(string Participant, string Room, string? Kind, string? TrackId, bool? Muted);

internal sealed record RoomClosed(string Closed);

/// <summary><c>POST /api/token</c>.</summary>
internal sealed record TokenIssued(string Token, DateTimeOffset ExpiresAt, string? Room, string? Identity);

/// <summary><c>GET /api/token/guest</c> on a server with tokens.</summary>
internal sealed record GuestTokenIssued(string Token, DateTimeOffset ExpiresAt, string? Room, string Identity, bool Required);

/// <summary><c>GET /api/token/guest</c> on an open server: the page joins without a token.</summary>
internal sealed record NoTokenNeeded(string? Token, bool Required);

/// <summary><c>GET /api/token/config</c>.</summary>
internal sealed record TokenConfig(bool Required, bool AllowGuests, string? TokenUrl);

/// <summary>The deploy form's field errors.</summary>
internal sealed record DeployProblem(IEnumerable<DeployProblemField> Errors);

internal sealed record DeployProblemField(string Field, string Message);

/// <summary><c>GET /api/cluster/nodes</c>: one node.</summary>
internal sealed record ClusterNodeSummary(string Id, string Region, string State, string? Url);

/// <summary><c>GET /api/cluster</c>: the registry as this node reads it now.</summary>
internal sealed record ClusterView(string Self, bool RedisUp, long Now, IEnumerable<NodeEntry> Nodes);
