using System.Globalization;
using System.Text;
using DigitalWeRoom.Sfu.LoadTest.Media;

namespace DigitalWeRoom.Sfu.LoadTest.Janus;

/// <summary>
/// The SDP our synthetic participants exchange with Janus (RFC 8829 shapes, RFC 8843 BUNDLE, RFC 5763 setup).
/// We present ourselves as an ICE-lite agent (RFC 8445 §2.5) with one host candidate and take the DTLS client role
/// (a=setup:active), so Janus' full ICE agent nominates and our UDP endpoint only answers its checks.
/// </summary>
internal static class JanusSdp
{
    internal sealed record Remote(string Ufrag, string Password, string FingerprintAlgorithm, string Fingerprint, IReadOnlyList<Section> Sections)
    {
        /// <summary>Host candidates (address, port) of the remote side, in SDP order.</summary>
        public List<System.Net.IPEndPoint> Candidates { get; } = [];
    }

    internal sealed record Section(string Kind, string Mid, int PayloadType, string Direction)
    {
        /// <summary>Rids offered as <c>a=rid:X recv</c> (RFC 8851 §4), in order.</summary>
        public List<string> RecvRids { get; } = [];

        /// <summary>Header extensions offered (<c>a=extmap:id uri</c>, RFC 8285 §5).</summary>
        public Dictionary<string, byte> Extmaps { get; } = new(StringComparer.Ordinal);

        /// <summary>The msid track id (RFC 8830 §2) of a section the remote side sends on, if any.</summary>
        public string? MsidTrack { get; set; }

        /// <summary>The first SSRC the section announces (<c>a=ssrc</c>, RFC 5576 §4.1; the primary of an FID group), 0 if none.</summary>
        public uint Ssrc { get; set; }
    }

    public const string MidUri = "urn:ietf:params:rtp-hdrext:sdes:mid";
    public const string RidUri = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
    public const string RepairedRidUri = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";

    public static string PublisherOffer(string ufrag, string password, string fingerprint, System.Net.IPEndPoint candidate, uint audioSsrc, uint videoSsrc, bool audio, bool video)
    {
        var sb = new StringBuilder();
        var mids = new List<string>();
        if (audio) mids.Add("0");
        if (video) mids.Add("1");
        Header(sb, mids);
        if (audio) Media(sb, "audio", "0", MediaProfile.AudioPayloadType, "opus/48000/2", "sendonly", audioSsrc, ufrag, password, fingerprint, candidate);
        if (video) Media(sb, "video", "1", MediaProfile.VideoPayloadType, "VP8/90000", "sendonly", videoSsrc, ufrag, password, fingerprint, candidate);
        return sb.ToString();
    }

    /// <summary>Answers every m= section of Janus' subscriber offer recvonly with the offered payload type (inactive if not audio/video).</summary>
    public static string SubscriberAnswer(Remote offer, string ufrag, string password, string fingerprint, System.Net.IPEndPoint candidate)
    {
        var sb = new StringBuilder();
        Header(sb, offer.Sections.Select(s => s.Mid).ToList());
        foreach (Section s in offer.Sections)
        {
            string codec = s.Kind == "audio" ? "opus/48000/2" : "VP8/90000";
            string direction = s.Kind is "audio" or "video" && s.Direction != "inactive" && s.PayloadType >= 0 ? "recvonly" : "inactive";
            Media(sb, s.Kind is "audio" or "video" ? s.Kind : "video", s.Mid, Math.Max(0, s.PayloadType), codec, direction, 0, ufrag, password, fingerprint, candidate);
        }
        return sb.ToString();
    }

    public static Remote Parse(string sdp)
    {
        string ufrag = "", pwd = "", fpAlg = "", fp = "";
        var sections = new List<Section>();
        string? kind = null, mid = null, direction = "sendrecv", msid = null;
        int pt = -1;
        uint ssrc = 0;
        var rids = new List<string>();
        var extmaps = new Dictionary<string, byte>(StringComparer.Ordinal);
        void Flush()
        {
            if (kind is null) return;
            var section = new Section(kind, mid ?? sections.Count.ToString(CultureInfo.InvariantCulture), pt, direction) { MsidTrack = msid, Ssrc = ssrc };
            section.RecvRids.AddRange(rids);
            foreach (var e in extmaps) section.Extmaps[e.Key] = e.Value;
            sections.Add(section);
            rids.Clear();
            extmaps.Clear();
            msid = null;
            ssrc = 0;
        }
        foreach (string raw in sdp.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                Flush();
                string[] parts = line[2..].Split(' ');
                kind = parts[0];
                mid = null;
                direction = "sendrecv";
                pt = parts.Length > 3 && int.TryParse(parts[3], CultureInfo.InvariantCulture, out int p) ? p : -1;
                if (parts.Length > 1 && parts[1] == "0") direction = "inactive";
            }
            else if (line.StartsWith("a=ice-ufrag:", StringComparison.Ordinal)) ufrag = line[12..];
            else if (line.StartsWith("a=ice-pwd:", StringComparison.Ordinal)) pwd = line[10..];
            else if (line.StartsWith("a=fingerprint:", StringComparison.Ordinal))
            {
                string[] parts = line[14..].Split(' ', 2);
                fpAlg = parts[0];
                fp = parts.Length > 1 ? parts[1] : "";
            }
            else if (line.StartsWith("a=mid:", StringComparison.Ordinal)) mid = line[6..];
            else if (line.StartsWith("a=rid:", StringComparison.Ordinal) && line[6..].Split(' ') is [var rid, "recv", ..]) rids.Add(rid);
            else if (line.StartsWith("a=msid:", StringComparison.Ordinal) && line[7..].Split(' ') is [_, var track, ..]) msid = track;
            else if (ssrc == 0 && line.StartsWith("a=ssrc:", StringComparison.Ordinal)
                && uint.TryParse(line[7..].Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint announced)) ssrc = announced;
            else if (line.StartsWith("a=extmap:", StringComparison.Ordinal) && line[9..].Split(' ') is [var id, var uri, ..]
                && byte.TryParse(id.Split('/')[0], CultureInfo.InvariantCulture, out byte extId))
            {
                extmaps[uri] = extId;
            }
            else if (line is "a=sendonly" or "a=recvonly" or "a=inactive" or "a=sendrecv") direction = line[2..];
            else if (line.StartsWith("a=rtpmap:", StringComparison.Ordinal) && kind is not null)
            {
                // Prefer our codecs when several are offered.
                string[] parts = line[9..].Split(' ');
                if (int.TryParse(parts[0], CultureInfo.InvariantCulture, out int p)
                    && parts.Length > 1 && (parts[1].StartsWith("VP8", StringComparison.OrdinalIgnoreCase) || parts[1].StartsWith("opus", StringComparison.OrdinalIgnoreCase)))
                {
                    pt = p;
                }
            }
        }
        Flush();
        var remote = new Remote(ufrag, pwd, fpAlg, fp, sections);
        foreach (string raw in sdp.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (!line.StartsWith("a=candidate:", StringComparison.Ordinal)) continue;
            // RFC 8839 §5.1: foundation component transport priority address port "typ" type
            string[] f = line[12..].Split(' ');
            if (f.Length >= 8 && f[2].Equals("udp", StringComparison.OrdinalIgnoreCase) && System.Net.IPAddress.TryParse(f[4], out var address)
                && int.TryParse(f[5], CultureInfo.InvariantCulture, out int port))
            {
                var ep = new System.Net.IPEndPoint(address, port);
                if (!remote.Candidates.Contains(ep)) remote.Candidates.Add(ep);
            }
        }
        return remote;
    }

    /// <summary>
    /// Our answer to our server's offer (docs/signaling.md): its recvonly slots are our publish slots (first audio,
    /// first video answered sendonly with our SSRCs; others inactive), its sendonly sections are answered recvonly.
    /// We are the full, controlling ICE agent (no a=ice-lite) and the DTLS client.
    /// </summary>
    /// <remarks>
    /// With <paramref name="simulcastRids"/> (lowest first) the camera section is answered as Chromium answers a
    /// simulcast offer (RFC 8853 §5.2): <c>a=rid:X send</c> for each offered rid we have, <c>a=simulcast:send</c>,
    /// the MID / rid / repaired-rid extmaps echoed with the offered ids, and no <c>a=ssrc</c> (the server binds each
    /// layer's SSRC by MID + rid). <paramref name="videoMid"/> reports the camera section's mid.
    /// </remarks>
    public static string ServerAnswer(Remote offer, string ufrag, string password, string fingerprint, System.Net.IPEndPoint candidate, uint audioSsrc, uint videoSsrc,
        IReadOnlyList<string>? simulcastRids = null, Action<Section, IReadOnlyList<string>>? videoMid = null)
    {
        var sb = new StringBuilder();
        Header(sb, offer.Sections.Select(s => s.Mid).ToList(), lite: false);
        bool audioUsed = audioSsrc == 0, videoUsed = videoSsrc == 0 && simulcastRids is null;
        foreach (Section s in offer.Sections)
        {
            string codec = s.Kind == "audio" ? "opus/48000/2" : "VP8/90000";
            string direction = "inactive";
            uint ssrc = 0;
            List<string>? rids = null;
            if (s.Direction == "recvonly" && s.Kind == "audio" && !audioUsed) { direction = "sendonly"; ssrc = audioSsrc; audioUsed = true; }
            else if (s.Direction == "recvonly" && s.Kind == "video" && !videoUsed)
            {
                direction = "sendonly";
                videoUsed = true;
                if (simulcastRids is null)
                {
                    ssrc = videoSsrc;
                }
                else
                {
                    rids = [.. simulcastRids.Where(s.RecvRids.Contains)];
                    videoMid?.Invoke(s, rids);
                }
            }
            else if (s.Direction == "sendonly" && s.PayloadType >= 0) direction = "recvonly";
            Media(sb, s.Kind is "audio" or "video" ? s.Kind : "video", s.Mid, Math.Max(0, s.PayloadType), codec, direction, ssrc, ufrag, password, fingerprint, candidate);
            if (rids is { Count: > 0 })
            {
                var c = CultureInfo.InvariantCulture;
                foreach (string uri in new[] { MidUri, RidUri, RepairedRidUri })
                {
                    if (s.Extmaps.TryGetValue(uri, out byte id)) sb.Append(c, $"a=extmap:{id} {uri}\r\n");
                }
                foreach (string rid in rids) sb.Append(c, $"a=rid:{rid} send\r\n");
                sb.Append("a=simulcast:send ").Append(string.Join(';', rids)).Append("\r\n");
                sb.Append(c, $"a=msid:dwr-{s.Mid} video-{s.Mid}\r\n");
            }
        }
        return sb.ToString();
    }

    private static void Header(StringBuilder sb, List<string> mids, bool lite = true)
    {
        sb.Append("v=0\r\n");
        sb.Append(CultureInfo.InvariantCulture, $"o=- {Random.Shared.NextInt64(1, long.MaxValue)} 2 IN IP4 127.0.0.1\r\n");
        sb.Append(lite ? "s=-\r\nt=0 0\r\na=ice-lite\r\n" : "s=-\r\nt=0 0\r\n");
        sb.Append("a=group:BUNDLE ").Append(string.Join(' ', mids)).Append("\r\n");
        sb.Append("a=msid-semantic: WMS *\r\n");
    }

    private static void Media(StringBuilder sb, string kind, string mid, int pt, string rtpmap, string direction, uint ssrc,
        string ufrag, string password, string fingerprint, System.Net.IPEndPoint candidate)
    {
        string family = candidate.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IP6" : "IP4";
        var c = CultureInfo.InvariantCulture;
        sb.Append(c, $"m={kind} {candidate.Port} UDP/TLS/RTP/SAVPF {pt}\r\n");
        sb.Append(c, $"c=IN {family} {candidate.Address}\r\n");
        sb.Append(c, $"a=ice-ufrag:{ufrag}\r\na=ice-pwd:{password}\r\n");
        sb.Append(c, $"a=fingerprint:{fingerprint}\r\na=setup:active\r\n");
        sb.Append(c, $"a=mid:{mid}\r\na={direction}\r\na=rtcp-mux\r\n");
        sb.Append(c, $"a=rtpmap:{pt} {rtpmap}\r\n");
        if (kind == "video") sb.Append(c, $"a=rtcp-fb:{pt} nack\r\na=rtcp-fb:{pt} nack pli\r\n");
        if (ssrc != 0) sb.Append(c, $"a=ssrc:{ssrc} cname:dwr-loadtest\r\na=msid:dwr-{ssrc} {kind}-{ssrc}\r\n");
        sb.Append(c, $"a=candidate:1 1 udp 2130706431 {candidate.Address} {candidate.Port} typ host\r\na=end-of-candidates\r\n");
    }
}
