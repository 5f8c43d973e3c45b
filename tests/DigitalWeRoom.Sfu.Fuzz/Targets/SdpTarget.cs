using System.Text;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Fuzz.Targets;

/// <summary>SDP (RFC 8866, JSEP RFC 8829 profile): parse; an accepted description writes, re-parses, and writes the same text.</summary>
public sealed class SdpTarget : FuzzTarget
{
    public override string Name => "Sdp";

    public override IReadOnlyList<byte[]> Dictionary { get; } =
    [
        .. new[]
        {
            "\r\n", "\n", "v=0", "o=- 1 2 IN IP4 127.0.0.1", "s=-", "t=0 0", "m=video 9 UDP/TLS/RTP/SAVPF 96 97", "m=audio 9 UDP/TLS/RTP/SAVPF 111",
            "c=IN IP4 0.0.0.0", "a=mid:", "a=rtpmap:", "a=fmtp:", "a=rtcp-fb:", "a=extmap:", "a=ssrc:", "a=ssrc-group:FID ", "a=simulcast:send ",
            "a=rid:", "a=group:BUNDLE ", "a=fingerprint:sha-256 ", "a=setup:actpass", "a=ice-ufrag:", "a=ice-pwd:", "a=candidate:",
            "a=msid:", "a=sendrecv", "a=inactive", " ", ":", ";", "=", "~", "/", "4294967296", "-1", "65536",
        }.Select(Encoding.UTF8.GetBytes),
    ];

    public override void Execute(ReadOnlySpan<byte> input)
    {
        string text = Encoding.UTF8.GetString(input);
        if (!SdpParser.TryParse(text, out SessionDescription sdp, out SdpParseError error))
        {
            Check(error.DropReason != DropReason.None, "rejection carries a reason");
            return;
        }

        string written = SdpWriter.Write(sdp);
        Check(SdpParser.TryParse(written, out SessionDescription again, out SdpParseError second), "written SDP parses again: " + second);
        Check(again.Media.Count == sdp.Media.Count, "round trip keeps the m-lines");
        Check(SdpWriter.Write(again) == written, "write is a fixed point after one round trip");
    }

    public override IEnumerable<(string Name, byte[] Data)> CreateSeeds()
    {
        yield return ("minimal-audio", Encoding.UTF8.GetBytes(
            "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n" +
            "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\n" +
            "a=fingerprint:sha-256 00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF\r\n" +
            "a=setup:actpass\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n" +
            "a=ssrc:1001 cname:fuzz\r\n"));

        string fixtures = Path.Combine(Corpus.Locate(), "..", "..", "DigitalWeRoom.Sfu.Protocols.Tests", "Fixtures", "chromium-156");
        if (Directory.Exists(fixtures))
        {
            foreach (string file in Directory.GetFiles(fixtures, "*.sdp").Order(StringComparer.Ordinal))
            {
                yield return ("chromium-156-" + Path.GetFileNameWithoutExtension(file), File.ReadAllBytes(file));
            }
        }
    }
}
