using System.Text;
using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Fuzz.Targets;

/// <summary>
/// Signaling messages (docs/signaling.md): decode must be total, the validator must not throw on anything
/// decoded, and an accepted message must encode and decode to the same bytes again.
/// </summary>
public abstract class SignalingTarget(SignalEncoding encoding) : FuzzTarget
{
    /// <summary>The server's default <c>Sfu:Limits:MaxMessageBytes</c>; larger frames never reach the decoder.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    public override IReadOnlyList<byte[]> Dictionary { get; } =
    [
        .. new[]
        {
            "\"type\"", "\"join\"", "\"offer\"", "\"answer\"", "\"candidate\"", "\"chat\"", "\"mute\"", "\"leave\"", "\"room\"", "\"name\"",
            "\"sdp\"", "\"target\"", "\"server\"", "\"track\"", "\"kind\"", "\"id\"", "null", "true", "1e999", "-0", "[", "]", "{", "}", ":", ",",
            "\"\\u0000\"", "\"\\ud800\"", "type", "room", "candidate", "sdpMLineIndex",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    public override void Execute(ReadOnlySpan<byte> input)
    {
        if (input.Length > MaxMessageBytes)
        {
            return;
        }

        if (!SignalingCodec.TryDecode(input.ToArray(), encoding, out SignalMessage message, out string error))
        {
            Check(error.Length > 0, "rejection carries a reason");
            return;
        }

        bool valid = SignalingValidator.TryValidate(message, 1000, out string code, out string reason);
        Check(valid || (code.Length > 0 && reason.Length > 0), "validator rejection carries a code and reason");

        byte[] encoded = SignalingCodec.Encode(message, encoding);
        Check(SignalingCodec.TryDecode(encoded, encoding, out SignalMessage again, out string second), "encoded message decodes again: " + second);
        Check(SignalingCodec.Encode(again, encoding).AsSpan().SequenceEqual(encoded), "encode is a fixed point after one round trip");
    }

    public override IEnumerable<(string Name, byte[] Data)> CreateSeeds()
    {
        foreach ((string name, SignalMessage message) in Messages())
        {
            yield return (name, SignalingCodec.Encode(message, encoding));
        }
    }

    private static IEnumerable<(string, SignalMessage)> Messages()
    {
        yield return ("join", new SignalMessage { Type = "join", Room = "daily-standup", Name = "Ada", P2p = true, Id = "1" });
        yield return ("offer", new SignalMessage
        {
            Type = "offer",
            Target = "server",
            Sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n",
        });
        yield return ("candidate", new SignalMessage
        {
            Type = "candidate",
            Target = "p-2",
            Candidate = new IceCandidateInfo { Candidate = "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host", SdpMid = "0", SdpMLineIndex = 0 },
        });
        yield return ("chat", new SignalMessage { Type = "chat", Text = "hello <b>there</b>" });
        yield return ("mute", new SignalMessage { Type = "mute", Kind = "audio", Muted = true });
        yield return ("track", new SignalMessage { Type = "track-published", Track = new TrackInfo { Id = "t1", Kind = "video", Source = "camera" } });
        yield return ("joined", new SignalMessage
        {
            Type = "joined",
            ParticipantId = "p-1",
            Participants = [new ParticipantInfo { Id = "p-2", Name = "Bob", Tracks = [new TrackInfo { Id = "a", Kind = "audio", Source = "microphone" }] }],
            IceServers = [new IceServerInfo { Urls = ["stun:127.0.0.1:7882"] }],
        });
        yield return ("leave", new SignalMessage { Type = "leave" });
    }
}

public sealed class SignalingJsonTarget() : SignalingTarget(SignalEncoding.Json)
{
    public override string Name => "SignalingJson";
}

public sealed class SignalingMessagePackTarget() : SignalingTarget(SignalEncoding.MessagePack)
{
    public override string Name => "SignalingMessagePack";
}
