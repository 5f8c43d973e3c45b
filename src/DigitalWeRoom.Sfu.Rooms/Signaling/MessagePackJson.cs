using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using MessagePack;

namespace DigitalWeRoom.Sfu.Rooms.Signaling;

/// <summary>
/// MessagePack signaling is the JSON contract in binary form (a map with the same keys), so it is read and written
/// through the one source-generated JSON contract: no second contract to keep in step and no run-time code generation
/// (MessagePack's dynamic resolver emits IL, which Native AOT cannot run). This transcodes byte to byte, MessagePack
/// to UTF-8 JSON and back, with MessagePack's reader and writer: the library's <c>ConvertToJson</c>/<c>ConvertFromJson</c>
/// went through UTF-16 strings of the whole message and cost 3 to 8 times the JSON path's allocations per message
/// (SignalingCodecCostTests). Only what the contract can hold is accepted: nil, booleans, numbers, UTF-8 strings,
/// arrays and maps with string keys, at most <see cref="MaxDepth"/> deep; binary and extension values are refused.
/// </summary>
internal static class MessagePackJson
{
    /// <summary>Nesting refused beyond this (the JSON contract allows 8; this bounds the transcoder's own recursion).</summary>
    public const int MaxDepth = 16;

    // The JSON is only read back by the contract: no escaping of HTML-sensitive or non-ASCII characters is needed.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One MessagePack value (the whole of <paramref name="data"/>) as UTF-8 JSON into <paramref name="json"/>.</summary>
    public static void ToJson(ReadOnlyMemory<byte> data, IBufferWriter<byte> json)
    {
        var reader = new MessagePackReader(data);
        using (var writer = new Utf8JsonWriter(json, WriterOptions))
        {
            CopyValue(ref reader, writer, 0);
        }
        if (!reader.End)
        {
            throw new MessagePackSerializationException("bytes after the message");
        }
    }

    /// <summary>UTF-8 JSON (one value, as the contract writes it) as MessagePack.</summary>
    public static byte[] FromJson(ReadOnlySpan<byte> json)
    {
        var output = new ArrayBufferWriter<byte>(json.Length + 16);
        var writer = new MessagePackWriter(output);
        var reader = new Utf8JsonReader(json);
        reader.Read();
        CopyJson(ref reader, ref writer);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    private static void CopyValue(ref MessagePackReader reader, Utf8JsonWriter writer, int depth)
    {
        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                writer.WriteNullValue();
                break;
            case MessagePackType.Boolean:
                writer.WriteBooleanValue(reader.ReadBoolean());
                break;
            case MessagePackType.Integer:
                if (reader.NextCode == MessagePackCode.UInt64) writer.WriteNumberValue(reader.ReadUInt64());
                else writer.WriteNumberValue(reader.ReadInt64());
                break;
            case MessagePackType.Float:
                writer.WriteNumberValue(reader.ReadDouble()); // NaN and infinities: ArgumentException, a malformed message
                break;
            case MessagePackType.String:
                writer.WriteStringValue(ReadUtf8(ref reader));
                break;
            case MessagePackType.Array:
                CheckDepth(depth);
                int items = reader.ReadArrayHeader(); // never more than the bytes left (MessagePackReader checks)
                writer.WriteStartArray();
                for (int i = 0; i < items; i++) CopyValue(ref reader, writer, depth + 1);
                writer.WriteEndArray();
                break;
            case MessagePackType.Map:
                CheckDepth(depth);
                int pairs = reader.ReadMapHeader();
                writer.WriteStartObject();
                for (int i = 0; i < pairs; i++)
                {
                    if (reader.NextMessagePackType != MessagePackType.String)
                    {
                        throw new MessagePackSerializationException("a map key that is not a string");
                    }
                    writer.WritePropertyName(ReadUtf8(ref reader));
                    CopyValue(ref reader, writer, depth + 1);
                }
                writer.WriteEndObject();
                break;
            default:
                throw new MessagePackSerializationException($"a {reader.NextMessagePackType} value, which the signaling contract has none of");
        }
    }

    /// <summary>A string's bytes; invalid UTF-8 is refused, as the JSON path refuses it (the writer would replace it).</summary>
    private static ReadOnlySpan<byte> ReadUtf8(ref MessagePackReader reader)
    {
        ReadOnlySpan<byte> utf8 = reader.TryReadStringSpan(out ReadOnlySpan<byte> span) ? span : (reader.ReadStringSequence()?.ToArray() ?? []);
        return System.Text.Unicode.Utf8.IsValid(utf8) ? utf8 : throw new MessagePackSerializationException("a string that is not UTF-8");
    }

    private static void CheckDepth(int depth)
    {
        if (depth >= MaxDepth)
        {
            throw new MessagePackSerializationException($"nested deeper than {MaxDepth}");
        }
    }

    private static void CopyJson(ref Utf8JsonReader reader, ref MessagePackWriter writer)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                writer.WriteNil();
                break;
            case JsonTokenType.True:
            case JsonTokenType.False:
                writer.Write(reader.GetBoolean());
                break;
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out long signed)) writer.Write(signed);
                else if (reader.TryGetUInt64(out ulong unsigned)) writer.Write(unsigned);
                else writer.Write(reader.GetDouble());
                break;
            case JsonTokenType.String:
            case JsonTokenType.PropertyName:
                WriteString(ref reader, ref writer);
                break;
            case JsonTokenType.StartArray:
                writer.WriteArrayHeader(CountChildren(reader));
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) CopyJson(ref reader, ref writer);
                break;
            case JsonTokenType.StartObject:
                writer.WriteMapHeader(CountChildren(reader));
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    WriteString(ref reader, ref writer);
                    reader.Read();
                    CopyJson(ref reader, ref writer);
                }
                break;
            default:
                throw new JsonException($"unexpected {reader.TokenType}");
        }
    }

    /// <summary>MessagePack writes a container's count first: count the direct children on a copy of the reader.</summary>
    private static int CountChildren(Utf8JsonReader reader)
    {
        int depth = reader.CurrentDepth;
        bool map = reader.TokenType == JsonTokenType.StartObject;
        int count = 0;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth == depth + 1 && (map ? reader.TokenType == JsonTokenType.PropertyName
                : reader.TokenType is not (JsonTokenType.EndArray or JsonTokenType.EndObject)))
            {
                count++;
            }
        }
        return count;
    }

    private static void WriteString(ref Utf8JsonReader reader, ref MessagePackWriter writer)
    {
        if (!reader.ValueIsEscaped)
        {
            writer.WriteString(reader.ValueSpan);
            return;
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length); // unescaped is never longer
        int length = reader.CopyString(rented);
        writer.WriteString(rented.AsSpan(0, length));
        ArrayPool<byte>.Shared.Return(rented);
    }
}
