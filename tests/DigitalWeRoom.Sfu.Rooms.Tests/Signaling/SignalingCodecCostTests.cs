using System.Diagnostics;
using System.Text;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Rooms.Tests.Signaling;

/// <summary>
/// What MessagePack signaling costs per message over JSON, read and written through the JSON contract (for Native
/// AOT: no dynamic resolver). Bytes allocated by this thread per decode and per encode (deterministic) and µs per
/// message (indicative only on a loaded machine), for the messages a join is made of: an offer/answer with SDP, the
/// joined list of a full room, and a small view message. Through the library's ConvertToJson/ConvertFromJson (UTF-16
/// strings of the whole message) it was 3.1-5.1x JSON's bytes to decode and 5.8-8.0x to encode (offer: 41 KB and
/// 33 KB); byte to byte (<c>MessagePackJson</c>) 1.3-1.8x and 2.4-3.0x. The bound holds it there.
/// </summary>
[Collection(nameof(AllocationMeasuringCollection))]
public sealed class SignalingCodecCostTests(ITestOutputHelper output)
{
    private const int Iterations = 500;

    public static TheoryData<string> Messages => ["offer", "joined", "view"];

    private static SignalMessage Message(string kind) => kind switch
    {
        "offer" => new SignalMessage { Type = MessageTypes.Offer, Sdp = Sdp() },
        "joined" => new SignalMessage
        {
            Type = MessageTypes.Joined, Room = "standup", ParticipantId = "p-0",
            Participants = [.. Enumerable.Range(1, 15).Select(i => new ParticipantInfo { Id = $"p-{i}", Name = $"Participant {i}", Identity = $"user-{i}" })],
        },
        _ => new SignalMessage { Type = MessageTypes.View, Visible = ["p-1", "p-2", "p-3", "p-4"], Pinned = ["p-2"] },
    };

    /// <summary>A browser answer's shape: a BUNDLE of audio, video and 6 subscribe sections (about 6 KB).</summary>
    private static string Sdp()
    {
        var sdp = new StringBuilder("v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2 3 4 5 6 7\r\n");
        for (int m = 0; m < 8; m++)
        {
            sdp.Append($"m={(m % 2 == 0 ? "audio" : "video")} 9 UDP/TLS/RTP/SAVPF 111 96 97\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n")
               .Append("a=ice-ufrag:Xy7Q\r\na=ice-pwd:u3vLr0GmS4Hq0cXyZ1s9Wq2e\r\na=ice-options:trickle\r\n")
               .Append("a=fingerprint:sha-256 3F:9A:11:0C:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01\r\n")
               .Append($"a=setup:active\r\na=mid:{m}\r\na=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\na=recvonly\r\na=rtcp-mux\r\n")
               .Append("a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n");
        }
        return sdp.ToString();
    }

    private static (double Bytes, double Micros) Measure(Action action)
    {
        for (int i = 0; i < 50; i++) action(); // JIT and pools warm
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < Iterations; i++) action();
        clock.Stop();
        return ((GC.GetAllocatedBytesForCurrentThread() - before) / (double)Iterations, clock.Elapsed.TotalMicroseconds / Iterations);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void MessagePack_costs_a_small_multiple_of_JSON_per_message(string kind)
    {
        SignalMessage message = Message(kind);
        byte[] json = SignalingCodec.Encode(message, SignalEncoding.Json);
        byte[] packed = SignalingCodec.Encode(message, SignalEncoding.MessagePack);
        Assert.True(SignalingCodec.TryDecode(packed, SignalEncoding.MessagePack, out var back, out var error), error);
        Assert.Equal(json, SignalingCodec.Encode(back, SignalEncoding.Json));

        var jsonDecode = Measure(() => SignalingCodec.TryDecode(json, SignalEncoding.Json, out _, out _));
        var packDecode = Measure(() => SignalingCodec.TryDecode(packed, SignalEncoding.MessagePack, out _, out _));
        var jsonEncode = Measure(() => SignalingCodec.Encode(message, SignalEncoding.Json));
        var packEncode = Measure(() => SignalingCodec.Encode(message, SignalEncoding.MessagePack));
        output.WriteLine($"{kind}: json {json.Length} B, msgpack {packed.Length} B");
        output.WriteLine($"  decode: json {jsonDecode.Bytes:F0} B {jsonDecode.Micros:F1} µs; msgpack {packDecode.Bytes:F0} B {packDecode.Micros:F1} µs ({packDecode.Bytes / jsonDecode.Bytes:F2}x bytes)");
        output.WriteLine($"  encode: json {jsonEncode.Bytes:F0} B {jsonEncode.Micros:F1} µs; msgpack {packEncode.Bytes:F0} B {packEncode.Micros:F1} µs ({packEncode.Bytes / jsonEncode.Bytes:F2}x bytes)");

        Assert.True(packDecode.Bytes <= MaxRatio * jsonDecode.Bytes + 1024, $"msgpack decode allocates {packDecode.Bytes:F0} B vs json {jsonDecode.Bytes:F0} B");
        Assert.True(packEncode.Bytes <= MaxRatio * jsonEncode.Bytes + 1024, $"msgpack encode allocates {packEncode.Bytes:F0} B vs json {jsonEncode.Bytes:F0} B");
    }

    private const double MaxRatio = 4;
}
