using System.Text.Json;
using System.Text.Json.Serialization;
using DigitalWeRoom.Sfu.Server.Endpoints;

namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>
/// One node's state in the registry (<c>{prefix}node:{id}</c>, JSON, expiring): published every heartbeat, read by
/// every node that places a room. Read back with <see cref="TryParse"/>, which treats the text as hostile.
/// </summary>
internal sealed record NodeEntry
{
    public const int MaxJsonLength = 4096;
    public const string Serving = "serving";
    public const string Draining = "draining";

    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("region")] public required string Region { get; init; }
    [JsonPropertyName("state")] public required string State { get; init; }
    [JsonPropertyName("url")] public required string SignalingUrl { get; init; }
    [JsonPropertyName("media")] public IReadOnlyList<string> MediaAddresses { get; init; } = [];
    [JsonPropertyName("rooms")] public int Rooms { get; init; }
    [JsonPropertyName("participants")] public int Participants { get; init; }
    [JsonPropertyName("tracks")] public int Tracks { get; init; }
    [JsonPropertyName("pps")] public double ForwardedPacketsPerSecond { get; init; }
    [JsonPropertyName("cpu")] public double Cpu { get; init; }
    [JsonPropertyName("maxRooms")] public int MaxRooms { get; init; }
    [JsonPropertyName("maxParticipants")] public int MaxParticipants { get; init; }

    /// <summary>When the entry was written (Unix milliseconds, the writer's clock).</summary>
    [JsonPropertyName("at")] public long At { get; init; }

    [JsonIgnore] public bool IsServing => State == Serving;

    public string ToJson() => JsonSerializer.Serialize(this, WireJsonContext.Default.NodeEntry);

    public bool IsFresh(long nowUnixMs, TimeSpan staleAfter) => nowUnixMs - At <= (long)staleAfter.TotalMilliseconds && At <= nowUnixMs + 5_000;

    /// <summary>Parses and checks an entry read from Redis: length, JSON shape, id, URL, ranges. Never throws.</summary>
    public static bool TryParse(string? json, out NodeEntry? entry, out string error)
    {
        entry = null;
        if (string.IsNullOrEmpty(json) || json.Length > MaxJsonLength)
        {
            error = json is null ? "missing" : $"length {json.Length} outside 1..{MaxJsonLength}";
            return false;
        }

        NodeEntry? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(json, WireJsonContext.Default.NodeEntry);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
        {
            error = "not a node entry: " + e.Message;
            return false;
        }

        if (parsed is null || !NodeIds.IsValid(parsed.Id) || !NodeIds.IsValid(parsed.Region))
        {
            error = "missing or invalid id/region";
            return false;
        }

        if (parsed.State is not (Serving or Draining) || !NodeIds.IsValidBaseUrl(parsed.SignalingUrl, out _))
        {
            error = "invalid state or signaling URL";
            return false;
        }

        if (parsed.Rooms < 0 || parsed.Participants < 0 || parsed.Tracks < 0 || parsed.MaxRooms < 0 || parsed.MaxParticipants < 0
            || !double.IsFinite(parsed.Cpu) || parsed.Cpu < 0 || !double.IsFinite(parsed.ForwardedPacketsPerSecond)
            || parsed.ForwardedPacketsPerSecond < 0 || parsed.MediaAddresses is null || parsed.MediaAddresses.Count > 16)
        {
            error = "a number out of range";
            return false;
        }

        entry = parsed;
        error = "";
        return true;
    }

    /// <summary>The WebSocket URL clients are redirected to.</summary>
    public string SocketUrl() => NodeIds.IsValidBaseUrl(SignalingUrl, out var uri) ? NodeIds.SignalingSocketUrl(uri!) : "";
}
