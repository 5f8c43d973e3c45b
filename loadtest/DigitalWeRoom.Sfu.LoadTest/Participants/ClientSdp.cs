using System.Globalization;
using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.LoadTest.Participants;

/// <summary>
/// The SDP our synthetic participants exchange with our server and with Janus (RFC 8829 shapes, RFC 8843 BUNDLE,
/// RFC 5763 setup), built and read with the server's own SDP stack (<see cref="SdpParser"/>, <see cref="SdpWriter"/>):
/// this adapter only decides what our side says and picks out what it needs from the other side's description.
/// Toward Janus we present ourselves as an ICE-lite agent (RFC 8445 §2.5) with one host candidate; toward our server
/// as the full, controlling agent. Either way we take the DTLS client role (a=setup:active).
/// </summary>
internal static class ClientSdp
{
    internal sealed record Remote(string Ufrag, string Password, string FingerprintAlgorithm, string Fingerprint, IReadOnlyList<Section> Sections)
    {
        /// <summary>Host candidates (address, port) of the remote side, in SDP order.</summary>
        public List<IPEndPoint> Candidates { get; } = [];
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

    public static string PublisherOffer(string ufrag, string password, string fingerprint, IPEndPoint candidate, uint audioSsrc, uint videoSsrc, bool audio, bool video)
    {
        var local = new Local(ufrag, password, ParseFingerprint(fingerprint), candidate);
        var mids = new List<string>();
        if (audio) mids.Add("0");
        if (video) mids.Add("1");
        var sdp = Session(mids, lite: true);
        if (audio) sdp.Media.Add(local.Describe("audio", "0", MediaProfile.AudioPayloadType, SdpDirection.SendOnly, audioSsrc));
        if (video) sdp.Media.Add(local.Describe("video", "1", MediaProfile.VideoPayloadType, SdpDirection.SendOnly, videoSsrc));
        return SdpWriter.Write(sdp);
    }

    /// <summary>Answers every m= section of Janus' subscriber offer recvonly with the offered payload type (inactive if not audio/video).</summary>
    public static string SubscriberAnswer(Remote offer, string ufrag, string password, string fingerprint, IPEndPoint candidate)
    {
        var local = new Local(ufrag, password, ParseFingerprint(fingerprint), candidate);
        var sdp = Session([.. offer.Sections.Select(s => s.Mid)], lite: true);
        foreach (Section s in offer.Sections)
        {
            var direction = s.Kind is "audio" or "video" && s.Direction != "inactive" && s.PayloadType >= 0 ? SdpDirection.RecvOnly : SdpDirection.Inactive;
            sdp.Media.Add(local.Describe(s.Kind is "audio" or "video" ? s.Kind : "video", s.Mid, Math.Max(0, s.PayloadType), direction, 0));
        }
        return SdpWriter.Write(sdp);
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
    public static string ServerAnswer(Remote offer, string ufrag, string password, string fingerprint, IPEndPoint candidate, uint audioSsrc, uint videoSsrc,
        IReadOnlyList<string>? simulcastRids = null, Action<Section, IReadOnlyList<string>>? videoMid = null)
    {
        var local = new Local(ufrag, password, ParseFingerprint(fingerprint), candidate);
        var sdp = Session([.. offer.Sections.Select(s => s.Mid)], lite: false);
        bool audioUsed = audioSsrc == 0, videoUsed = videoSsrc == 0 && simulcastRids is null;
        foreach (Section s in offer.Sections)
        {
            var direction = SdpDirection.Inactive;
            uint ssrc = 0;
            List<string>? rids = null;
            if (s.Direction == "recvonly" && s.Kind == "audio" && !audioUsed)
            {
                direction = SdpDirection.SendOnly;
                ssrc = audioSsrc;
                audioUsed = true;
            }
            else if (s.Direction == "recvonly" && s.Kind == "video" && !videoUsed)
            {
                direction = SdpDirection.SendOnly;
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
            else if (s.Direction == "sendonly" && s.PayloadType >= 0)
            {
                direction = SdpDirection.RecvOnly;
            }
            var media = local.Describe(s.Kind is "audio" or "video" ? s.Kind : "video", s.Mid, Math.Max(0, s.PayloadType), direction, ssrc);
            if (rids is { Count: > 0 })
            {
                foreach (string uri in new[] { MidUri, RidUri, RepairedRidUri })
                {
                    if (s.Extmaps.TryGetValue(uri, out byte id)) media.Extmaps.Add(new SdpExtmap(id, null, uri, null));
                }
                media.Rids.AddRange(rids.Select(rid => new SdpRid(rid, SdpRidDirection.Send, null)));
                media.Simulcast = new SdpSimulcast([.. rids.Select(rid => (IReadOnlyList<SdpSimulcastId>)[new SdpSimulcastId(rid, false)])], []);
                media.Msids.Add(new SdpMsid($"dwr-{s.Mid}", $"video-{s.Mid}"));
            }
            sdp.Media.Add(media);
        }
        return SdpWriter.Write(sdp);
    }

    /// <summary>
    /// What we need of a description from our server or Janus. A description the SDP parser refuses (RFC 8866) gives
    /// no sections and no candidates, so the participant fails to connect instead of guessing.
    /// </summary>
    public static Remote Parse(string text)
    {
        if (!SdpParser.TryParse(text, out var sdp, out _))
        {
            return new Remote("", "", "", "", []);
        }
        var first = sdp.Media.FirstOrDefault();
        var fingerprint = first is null ? sdp.Fingerprints.FirstOrDefault() : sdp.FingerprintFor(first);
        var sections = new List<Section>();
        foreach (var media in sdp.Media)
        {
            var section = new Section(media.Kind, media.Mid ?? sections.Count.ToString(CultureInfo.InvariantCulture), PayloadTypeOf(media), DirectionOf(media))
            {
                MsidTrack = media.Msids.FirstOrDefault()?.TrackId,
                Ssrc = media.Ssrcs.FirstOrDefault()?.Ssrc ?? 0,
            };
            section.RecvRids.AddRange(media.Rids.Where(r => r.Direction == SdpRidDirection.Recv).Select(r => r.Id));
            foreach (var extmap in media.Extmaps)
            {
                if (extmap.Id is > 0 and <= byte.MaxValue) section.Extmaps[extmap.Uri] = (byte)extmap.Id;
            }
            sections.Add(section);
        }
        var remote = new Remote(first is null ? sdp.IceUfrag ?? "" : sdp.IceUfragFor(first) ?? "", first is null ? sdp.IcePwd ?? "" : sdp.IcePwdFor(first) ?? "",
            fingerprint?.HashFunction ?? "", fingerprint?.FormatValue() ?? "", sections);
        foreach (var candidate in sdp.Media.SelectMany(m => m.Candidates))
        {
            // RFC 8839 §5.1: only UDP candidates with an IP address (not an mDNS name) can be reached.
            if (candidate.Transport.Equals("udp", StringComparison.OrdinalIgnoreCase) && IPAddress.TryParse(candidate.Address, out var address))
            {
                var endPoint = new IPEndPoint(address, candidate.Port);
                if (!remote.Candidates.Contains(endPoint)) remote.Candidates.Add(endPoint);
            }
        }
        return remote;
    }

    /// <summary>The payload type we use in a section: its VP8 or Opus one when offered, else the first listed; -1 if none.</summary>
    private static int PayloadTypeOf(MediaDescription media)
    {
        var ours = media.RtpMaps.LastOrDefault(r => r.EncodingName.StartsWith("VP8", StringComparison.OrdinalIgnoreCase)
            || r.EncodingName.StartsWith("opus", StringComparison.OrdinalIgnoreCase));
        if (ours is not null) return ours.PayloadType;
        return media.Formats.Count > 0 && int.TryParse(media.Formats[0], CultureInfo.InvariantCulture, out int pt) ? pt : -1;
    }

    /// <summary>RFC 8866 §6.7 direction as its attribute name; a rejected section (port 0, RFC 8829 §5.3.1) is inactive.</summary>
    private static string DirectionOf(MediaDescription media) => media.Direction switch
    {
        SdpDirection.SendOnly => "sendonly",
        SdpDirection.RecvOnly => "recvonly",
        SdpDirection.Inactive => "inactive",
        SdpDirection.SendRecv => "sendrecv",
        _ => media.Port == 0 ? "inactive" : "sendrecv",
    };

    /// <summary><paramref name="value"/> as in <c>a=fingerprint</c>: "sha-256 AB:CD:...".</summary>
    private static SdpFingerprint ParseFingerprint(string value)
    {
        string[] parts = value.Split(' ', 2);
        return new SdpFingerprint(parts[0], parts.Length > 1 ? Convert.FromHexString(parts[1].Replace(":", "", StringComparison.Ordinal)) : []);
    }

    private static SessionDescription Session(IReadOnlyList<string> mids, bool lite)
    {
        var sdp = new SessionDescription
        {
            Origin = SdpOrigin.Create((ulong)Random.Shared.NextInt64(1, long.MaxValue), 2),
            IceLite = lite,
            MsidSemantic = new SdpMsidSemantic("WMS", ["*"]),
        };
        sdp.Groups.Add(new SdpGroup("BUNDLE", mids));
        return sdp;
    }

    /// <summary>Our side's transport parameters, the same in every section (BUNDLE).</summary>
    private sealed record Local(string Ufrag, string Password, SdpFingerprint Fingerprint, IPEndPoint Candidate)
    {
        public MediaDescription Describe(string kind, string mid, int payloadType, SdpDirection direction, uint ssrc)
        {
            string address = Candidate.Address.ToString();
            var media = new MediaDescription
            {
                Kind = kind,
                Port = Candidate.Port,
                Connection = new SdpConnection("IN", Candidate.AddressFamily == AddressFamily.InterNetworkV6 ? "IP6" : "IP4", address),
                IceUfrag = Ufrag,
                IcePwd = Password,
                Setup = SdpSetup.Active,
                Mid = mid,
                Direction = direction,
                RtcpMux = true,
                EndOfCandidates = true,
            };
            media.Formats.Add(payloadType.ToString(CultureInfo.InvariantCulture));
            media.Fingerprints.Add(Fingerprint);
            media.RtpMaps.Add(kind == "audio" ? new SdpRtpMap(payloadType, "opus", 48000, 2) : new SdpRtpMap(payloadType, "VP8", 90000, null));
            if (kind == "video")
            {
                media.RtcpFeedbacks.Add(new SdpRtcpFeedback(payloadType, "nack", null));
                media.RtcpFeedbacks.Add(new SdpRtcpFeedback(payloadType, "nack", "pli"));
            }
            if (ssrc != 0)
            {
                media.Ssrcs.Add(new SdpSsrc(ssrc, "cname", "dwr-loadtest"));
                media.Msids.Add(new SdpMsid($"dwr-{ssrc}", $"{kind}-{ssrc}"));
            }
            media.Candidates.Add(new SdpCandidate
            {
                Foundation = "1", Component = 1, Transport = "udp", Priority = 2130706431, Address = address, Port = Candidate.Port, Type = "host",
            });
            return media;
        }
    }
}
