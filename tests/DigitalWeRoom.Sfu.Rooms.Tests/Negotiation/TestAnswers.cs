using DigitalWeRoom.Sfu.Protocols.Sdp;
using System.Text;
using DigitalWeRoom.Sfu.Rooms.Negotiation;
using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.Tests.Negotiation;

/// <summary>
/// Builds answers the way Chromium 156 writes them (see Fixtures/chromium-156/answer-audio-video-browser.sdp):
/// media-level ice/fingerprint/setup:active, every mid bundled, the client's SSRCs on the sections it sends on.
/// </summary>
internal static class TestAnswers
{
    public const string ClientUfrag = "U1tf";
    public const string ClientPwd = "CFB7qFbc2NTvSwQSoJvC5s4D";
    public const string ClientFingerprint =
        "sha-256 45:97:08:B1:B8:37:F5:D5:C5:D1:44:87:F9:B4:74:C7:43:87:C2:F8:6E:B7:F9:67:40:EA:21:FD:5C:A6:39:A6";

    public const uint AudioSsrc = 1111111111;
    public const uint VideoSsrc = 2222222222;
    public const uint VideoRtxSsrc = 3333333333;
    public const uint ScreenSsrc = 4000000001;
    public const uint ScreenRtxSsrc = 4000000002;

    public static LocalTransportParameters Local { get; } = new(
        "srvU", "serverpasswordserverpassword",
        "sha-256 01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:20",
        ["candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host"]);

    public static SubscribedTrack Track(string id, MediaKind kind) =>
        new(id, kind, "stream-" + id, "track-" + id, "cname-" + id);

    /// <summary>A Chrome-like answer to the outstanding offer: publishes on every recvonly section.</summary>
    public static string For(SfuNegotiator negotiator, NegotiationOptions? options = null, bool publish = true)
    {
        options ??= new NegotiationOptions();
        var slots = negotiator.PendingSlots ?? throw new InvalidOperationException("no pending offer");
        var sdp = new StringBuilder();
        sdp.Append("v=0\r\no=- 4796140297807156664 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n");
        sdp.Append("a=group:BUNDLE ").Append(string.Join(' ', slots.Where(s => !s.Rejected).Select(s => s.Mid))).Append("\r\n");
        sdp.Append("a=extmap-allow-mixed\r\na=msid-semantic: WMS\r\n");
        foreach (var slot in slots)
        {
            var codecs = options.Codecs.Where(c => c.Kind == slot.Kind &&
                (slot.Track?.PayloadTypes is not { } only || only.Contains(c.PayloadType))).ToList();
            var pts = codecs.SelectMany(c => c.RtxPayloadType is { } r ? new[] { c.PayloadType, r } : [c.PayloadType]).ToList();
            string kind = slot.Kind == MediaKind.Audio ? "audio" : "video";
            if (slot.Rejected)
            {
                sdp.Append($"m={kind} 0 UDP/TLS/RTP/SAVPF {pts[0]}\r\nc=IN IP4 0.0.0.0\r\na=mid:{slot.Mid}\r\na=inactive\r\n");
                continue;
            }
            sdp.Append($"m={kind} 9 UDP/TLS/RTP/SAVPF {string.Join(' ', pts)}\r\n");
            sdp.Append("c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n");
            sdp.Append($"a=ice-ufrag:{ClientUfrag}\r\na=ice-pwd:{ClientPwd}\r\na=ice-options:trickle\r\n");
            sdp.Append($"a=fingerprint:{ClientFingerprint}\r\na=setup:active\r\na=mid:{slot.Mid}\r\n");
            foreach (var extension in options.HeaderExtensions.Where(e => e.AppliesTo(slot.Kind)))
            {
                sdp.Append($"a=extmap:{extension.Id} {extension.Uri}\r\n");
            }
            bool sends = publish && slot.Direction == SdpDirection.RecvOnly;
            string direction = slot.Direction switch
            {
                SdpDirection.RecvOnly => sends ? "sendonly" : "inactive",
                SdpDirection.SendOnly => "recvonly",
                _ => "inactive",
            };
            sdp.Append($"a={direction}\r\n");
            if (sends)
            {
                sdp.Append("a=msid:client-stream client-track-").Append(slot.Mid).Append("\r\n");
            }
            sdp.Append("a=rtcp-mux\r\na=rtcp-rsize\r\n");
            foreach (var codec in codecs)
            {
                sdp.Append($"a=rtpmap:{codec.PayloadType} {codec.RtpMap}\r\n");
                foreach (var fb in codec.RtcpFeedback)
                {
                    sdp.Append($"a=rtcp-fb:{codec.PayloadType} {fb}\r\n");
                }
                if (codec.Fmtp is not null)
                {
                    sdp.Append($"a=fmtp:{codec.PayloadType} {codec.Fmtp}\r\n");
                }
                if (codec.RtxPayloadType is { } rtx)
                {
                    sdp.Append($"a=rtpmap:{rtx} rtx/{codec.ClockRate}\r\na=fmtp:{rtx} apt={codec.PayloadType}\r\n");
                }
            }
            if (sends)
            {
                (uint ssrc, uint rtxSsrc) = slot.Purpose switch
                {
                    SlotPurpose.PublishAudio => (AudioSsrc, 0u),
                    SlotPurpose.PublishVideo => (VideoSsrc, VideoRtxSsrc),
                    _ => (ScreenSsrc, ScreenRtxSsrc),
                };
                if (rtxSsrc != 0)
                {
                    sdp.Append($"a=ssrc-group:FID {ssrc} {rtxSsrc}\r\n");
                }
                sdp.Append($"a=ssrc:{ssrc} cname:clientcname\r\na=ssrc:{ssrc} msid:client-stream client-track-{slot.Mid}\r\n");
                if (rtxSsrc != 0)
                {
                    sdp.Append($"a=ssrc:{rtxSsrc} cname:clientcname\r\na=ssrc:{rtxSsrc} msid:client-stream client-track-{slot.Mid}\r\n");
                }
            }
        }
        return sdp.ToString();
    }

    public static string[] Lines(string sdp) => sdp.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The lines of each m= section (index 0 is the session part).</summary>
    public static List<List<string>> Sections(string sdp)
    {
        var sections = new List<List<string>> { new() };
        foreach (var line in Lines(sdp))
        {
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                sections.Add([]);
            }
            sections[^1].Add(line);
        }
        return sections;
    }
}
