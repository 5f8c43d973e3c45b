using System.Text.Json.Serialization;

namespace DigitalWeRoom.Sfu.Server.Webhooks;

/// <summary>Event names, as in the JSON <c>event</c> field.</summary>
public static class WebhookEventNames
{
    public const string RoomStarted = "room_started";
    public const string RoomFinished = "room_finished";
    public const string ParticipantJoined = "participant_joined";
    public const string ParticipantLeft = "participant_left";
    public const string TrackPublished = "track_published";
}

/// <summary>The JSON body of one webhook request.</summary>
public sealed record WebhookEvent
{
    [JsonPropertyName("event")] public required string Event { get; init; }

    /// <summary>Unique per event; the same on retries, so receivers can de-duplicate.</summary>
    [JsonPropertyName("id")] public string Id { get; init; } = Guid.NewGuid().ToString("N");

    /// <summary>Unix seconds when the server noticed the event.</summary>
    [JsonPropertyName("createdAt")] public long CreatedAt { get; init; }

    [JsonPropertyName("room")] public required WebhookRoom Room { get; init; }

    [JsonPropertyName("participant"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public WebhookParticipant? Participant { get; init; }

    [JsonPropertyName("track"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public WebhookTrack? Track { get; init; }
}

public sealed record WebhookRoom([property: JsonPropertyName("name")] string Name, [property: JsonPropertyName("numParticipants")] int NumParticipants);

/// <summary>A participant: its session id, its display name and, when it joined with a token, the token's identity (<c>sub</c>).</summary>
public sealed record WebhookParticipant([property: JsonPropertyName("id")] string Id, [property: JsonPropertyName("name")] string Name)
{
    [JsonPropertyName("identity"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Identity { get; init; }
}

public sealed record WebhookTrack(
    [property: JsonPropertyName("id")] string? Id,
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("source")] string? Source);
