using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
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

    // Web defaults, nulls omitted, depth 8, strict numbers (SignalingJsonContext).
    private static JsonTypeInfo<SignalMessage> Contract => SignalingJsonContext.Default.SignalMessage;

    public static bool TryDecode(ReadOnlyMemory<byte> data, SignalEncoding encoding, out SignalMessage message, out string error)
    {
        message = null!;
        error = "";
        try
        {
            SignalMessage? decoded = encoding == SignalEncoding.Json
                ? JsonSerializer.Deserialize(data.Span, Contract)
                : DecodeMessagePack(data);
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

    public static byte[] Encode(SignalMessage message, SignalEncoding encoding)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(message, Contract);
        return encoding == SignalEncoding.Json ? json : MessagePackJson.FromJson(json);
    }

    /// <summary>MessagePack is read as the JSON contract in binary form (<see cref="MessagePackJson"/>).</summary>
    private static SignalMessage? DecodeMessagePack(ReadOnlyMemory<byte> data)
    {
        var json = new ArrayBufferWriter<byte>(data.Length + (data.Length >> 1) + 64);
        MessagePackJson.ToJson(data, json);
        try
        {
            return JsonSerializer.Deserialize(json.WrittenSpan, Contract);
        }
        catch (JsonException e)
        {
            // A well-formed map whose values do not fit the contract is still a MessagePack error to the sender.
            throw new MessagePackSerializationException(e.Message, e);
        }
    }

    private static string Truncate(string text) => text.Length <= 160 ? text : text[..160];
}
