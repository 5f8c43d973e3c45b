using System.Text.Json.Serialization;
using DigitalWeRoom.Sfu.Server.Cluster;
using DigitalWeRoom.Sfu.Server.Webhooks;

namespace DigitalWeRoom.Sfu.Server.Endpoints;

/// <summary>
/// Source-generated JSON with the serializer's plain defaults (names as attributed, strict reading) for what other
/// programs read: JWT payloads (string, number and boolean claims, the <c>video</c> grant), webhook bodies and the
/// cluster registry's node entries. No reflection, so the Native AOT build writes the same bytes.
/// </summary>
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(WebhookEvent))]
[JsonSerializable(typeof(NodeEntry))]
internal sealed partial class WireJsonContext : JsonSerializerContext;
