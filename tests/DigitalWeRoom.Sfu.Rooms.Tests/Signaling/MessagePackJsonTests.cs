using System.Buffers;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using MessagePack;

namespace DigitalWeRoom.Sfu.Rooms.Tests.Signaling;

/// <summary>
/// MessagePack signaling read byte to byte into the JSON contract (<c>MessagePackJson</c>): hostile frames are refused
/// with a reason and never throw past the codec; what the contract holds round-trips, escapes and non-ASCII included.
/// </summary>
public sealed class MessagePackJsonTests
{
    private delegate void Build(ref MessagePackWriter writer);

    private static byte[] Pack(Build build)
    {
        var output = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(output);
        build(ref writer);
        writer.Flush();
        return output.WrittenSpan.ToArray();
    }

    private static void TypeThen(ref MessagePackWriter w, int pairs)
    {
        w.WriteMapHeader(pairs + 1);
        w.Write("type");
        w.Write("chat");
    }

    public static TheoryData<string> Hostile => ["binary", "extension", "integer key", "too deep", "nan", "truncated", "trailing", "bad utf-8", "huge count"];

    [Theory]
    [MemberData(nameof(Hostile))]
    public void A_hostile_frame_is_refused_with_a_reason(string kind)
    {
        byte[] frame = kind switch
        {
            "binary" => Pack((ref MessagePackWriter w) => { TypeThen(ref w, 1); w.Write("text"); w.Write(new byte[] { 1, 2 }); }),
            "extension" => Pack((ref MessagePackWriter w) => { TypeThen(ref w, 1); w.Write("text"); w.WriteExtensionFormat(new ExtensionResult(5, new byte[] { 1 })); }),
            "integer key" => Pack((ref MessagePackWriter w) => { TypeThen(ref w, 1); w.Write(7); w.Write("x"); }),
            "too deep" => Pack((ref MessagePackWriter w) => { TypeThen(ref w, 1); w.Write("visible"); for (int i = 0; i < 100_000; i++) w.WriteArrayHeader(1); w.WriteNil(); }),
            "nan" => Pack((ref MessagePackWriter w) => { TypeThen(ref w, 1); w.Write("muted"); w.Write(double.NaN); }),
            "truncated" => Pack((ref MessagePackWriter w) => { TypeThen(ref w, 1); w.Write("text"); })[..^1],
            "trailing" => [.. Pack((ref MessagePackWriter w) => TypeThen(ref w, 0)), 0xC0],
            "bad utf-8" => Pack((ref MessagePackWriter w) => { TypeThen(ref w, 1); w.Write("text"); w.WriteString(new byte[] { 0xC3, 0x28 }); }),
            _ => Pack((ref MessagePackWriter w) => { TypeThen(ref w, 1); w.Write("visible"); w.WriteArrayHeader(int.MaxValue); }),
        };

        Assert.False(SignalingCodec.TryDecode(frame, SignalEncoding.MessagePack, out _, out string error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Strings_that_json_escapes_and_large_numbers_round_trip()
    {
        var message = new SignalMessage
        {
            Type = MessageTypes.Chat,
            Text = "\"quoted\" \\ back\nslash \u0001 <b>é 😀</b>",
            Visible = ["a", "b\u2028c"],
            Candidate = new IceCandidateInfo { Candidate = "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", SdpMLineIndex = 65535 },
        };
        byte[] packed = SignalingCodec.Encode(message, SignalEncoding.MessagePack);
        Assert.True(SignalingCodec.TryDecode(packed, SignalEncoding.MessagePack, out SignalMessage back, out string error), error);
        Assert.Equal(message.Text, back.Text);
        Assert.Equal(message.Visible, back.Visible);
        Assert.Equal(65535, back.Candidate!.SdpMLineIndex);
        // The wire is plain MessagePack: any library reads it as the same map.
        var map = MessagePackSerializer.Deserialize<Dictionary<string, object?>>(packed);
        Assert.Equal(message.Text, map["text"]);
        Assert.Equal(SignalingCodec.Encode(message, SignalEncoding.Json), SignalingCodec.Encode(back, SignalEncoding.Json));
    }
}
