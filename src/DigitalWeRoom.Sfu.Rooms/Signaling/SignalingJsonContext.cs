using System.Text.Json;
using System.Text.Json.Serialization;

namespace DigitalWeRoom.Sfu.Rooms.Signaling;

/// <summary>
/// Source-generated JSON metadata for <see cref="SignalMessage"/>: no reflection at run time, so the same codec works
/// in the JIT build and in the Native AOT build (where reflection-based serialization is off).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, MaxDepth = 8, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(SignalMessage))]
public sealed partial class SignalingJsonContext : JsonSerializerContext;
