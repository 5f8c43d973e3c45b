using System.Text.Json;
using System.Text.Json.Serialization;

namespace DigitalWeRoom.Sfu.Rooms.Signaling;

/// <summary>
/// Source-generated JSON metadata for <see cref="SignalMessage"/>: no reflection at run time, so the same codec works
/// in the JIT build and in the Native AOT build (where reflection-based serialization is off). A null where the contract
/// has no null (a participant's <c>name</c>) is rejected at decode: accepted, it would be dropped on the way out and the
/// message would no longer decode (found by the MessagePack fuzz target's round trip).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 8, NumberHandling = JsonNumberHandling.Strict,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(SignalMessage))]
public sealed partial class SignalingJsonContext : JsonSerializerContext;
