using System.Text.Json;
using System.Text.Json.Serialization;
using MessagePack;

namespace DigitalWeRoom.Sfu.Rooms.Signaling;

/// <summary>How a WebSocket connection encodes <see cref="SignalMessage"/>s.</summary>
public enum SignalEncoding
{
    /// <summary>UTF-8 JSON text frames (the default).</summary>
    Json,

    /// <summary>MessagePack maps in binary frames, negotiated with the <c>dwr.msgpack</c> subprotocol.</summary>
    MessagePack,
}

/// <summary>
/// Encodes and decodes signaling messages. Decoding is total: malformed input yields false and a
/// reason, never an exception to the caller.
/// </summary>
public static class SignalingCodec
{
    public const string MessagePackSubprotocol = "dwr.msgpack";

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 8,
        NumberHandling = JsonNumberHandling.Strict,
    };

    // NOTE: UntrustedData bounds recursion depth and uses collision-resistant hashing for maps.
    public static readonly MessagePackSerializerOptions MessagePackOptions =
        MessagePackSerializerOptions.Standard.WithSecurity(MessagePackSecurity.UntrustedData);

    public static bool TryDecode(ReadOnlyMemory<byte> data, SignalEncoding encoding, out SignalMessage message, out string error)
    {
        message = null!;
        error = "";
        try
        {
            SignalMessage? decoded = encoding == SignalEncoding.Json
                ? JsonSerializer.Deserialize<SignalMessage>(data.Span, JsonOptions)
                : MessagePackSerializer.Deserialize<SignalMessage>(data, MessagePackOptions);
            if (decoded is null)
            {
                error = "message is null";
                return false;
            }

            message = decoded;
            return true;
        }
        catch (JsonException e)
        {
            error = "invalid JSON: " + Truncate(e.Message);
            return false;
        }
        catch (MessagePackSerializationException e)
        {
            error = "invalid MessagePack: " + Truncate(e.InnerException?.Message ?? e.Message);
            return false;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException or EndOfStreamException)
        {
            error = "malformed message: " + Truncate(e.Message);
            return false;
        }
    }

    public static byte[] Encode(SignalMessage message, SignalEncoding encoding) =>
        encoding == SignalEncoding.Json
            ? JsonSerializer.SerializeToUtf8Bytes(message, JsonOptions)
            : MessagePackSerializer.Serialize(message, MessagePackOptions);

    private static string Truncate(string text) => text.Length <= 160 ? text : text[..160];
}
