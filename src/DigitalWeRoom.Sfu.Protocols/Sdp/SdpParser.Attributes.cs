// Partial part: the a= dispatch (RFC 8866 §5.13); a static parser, no fields shared with the other part.
namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary>Dispatch of <c>a=</c> lines to typed properties; unknown ones are kept raw, in order.</summary>
public static partial class SdpParser
{
    private static string? ParseSessionAttribute(SessionDescription sdp, string line)
    {
        SplitAttribute(line, out string name, out string? value);
        switch (name)
        {
            case "group":
                return SdpAttributeParser.Group(value, out SdpGroup? group) ?? Add(sdp.Groups, group!);
            case "ice-lite":
                return Flag(value, sdp.IceLite, () => sdp.IceLite = true);
            case "ice-ufrag":
                return Once(sdp.IceUfrag, SdpAttributeParser.IceChars(value, 4, out string? ufrag), () => sdp.IceUfrag = ufrag);
            case "ice-pwd":
                return Once(sdp.IcePwd, SdpAttributeParser.IceChars(value, 22, out string? pwd), () => sdp.IcePwd = pwd);
            case "ice-options":
                return SdpAttributeParser.IceOptions(value, sdp.IceOptions);
            case "fingerprint":
                return SdpAttributeParser.Fingerprint(value, out SdpFingerprint? fingerprint) ?? Add(sdp.Fingerprints, fingerprint!);
            case "setup":
                return Once(sdp.Setup, SdpAttributeParser.Setup(value, out SdpSetup setup), () => sdp.Setup = setup);
            case "extmap-allow-mixed":
                return Flag(value, sdp.ExtmapAllowMixed, () => sdp.ExtmapAllowMixed = true);
            case "msid-semantic":
                return Once(sdp.MsidSemantic, SdpAttributeParser.MsidSemantic(value, out SdpMsidSemantic? semantic), () => sdp.MsidSemantic = semantic);
            case "extmap":
                return SdpAttributeParser.Extmap(value, out SdpExtmap? extmap) ?? Add(sdp.Extmaps, extmap!);
            default:
                return name.Length == 0 ? "attribute without a name" : Add(sdp.OtherAttributes, new SdpAttribute(name, value));
        }
    }

    private static string? ParseMediaAttribute(MediaDescription media, string line)
    {
        SplitAttribute(line, out string name, out string? value);
        switch (name)
        {
            case "rtcp":
                return Once(media.Rtcp, SdpAttributeParser.Rtcp(value, out SdpRtcp? rtcp), () => media.Rtcp = rtcp);
            case "candidate":
                if (value is null)
                {
                    return "a=candidate needs a value";
                }
                if (!SdpCandidate.TryParse(value, out SdpCandidate? candidate, out string? error))
                {
                    return error;
                }
                return Add(media.Candidates, candidate!);
            case "end-of-candidates":
                return Flag(value, media.EndOfCandidates, () => media.EndOfCandidates = true);
            case "ice-ufrag":
                return Once(media.IceUfrag, SdpAttributeParser.IceChars(value, 4, out string? ufrag), () => media.IceUfrag = ufrag);
            case "ice-pwd":
                return Once(media.IcePwd, SdpAttributeParser.IceChars(value, 22, out string? pwd), () => media.IcePwd = pwd);
            case "ice-options":
                return SdpAttributeParser.IceOptions(value, media.IceOptions);
            case "fingerprint":
                return SdpAttributeParser.Fingerprint(value, out SdpFingerprint? fingerprint) ?? Add(media.Fingerprints, fingerprint!);
            case "setup":
                return Once(media.Setup, SdpAttributeParser.Setup(value, out SdpSetup setup), () => media.Setup = setup);
            case "mid":
                return Once(media.Mid, value is not null && IsToken(value) ? null : "a=mid needs a token", () => media.Mid = value);
            case "extmap":
                return SdpAttributeParser.Extmap(value, out SdpExtmap? extmap) ?? Add(media.Extmaps, extmap!);
            case "sendrecv" or "sendonly" or "recvonly" or "inactive":
                return value is not null ? $"a={name} takes no value"
                    : Once(media.Direction, null, () => media.Direction = SdpAttributeParser.ParseDirection(name));
            case "msid":
                return SdpAttributeParser.Msid(value, out SdpMsid? msid) ?? Add(media.Msids, msid!);
            case "rtcp-mux":
                return Flag(value, media.RtcpMux, () => media.RtcpMux = true);
            case "rtcp-mux-only":
                return Flag(value, media.RtcpMuxOnly, () => media.RtcpMuxOnly = true);
            case "rtcp-rsize":
                return Flag(value, media.RtcpReducedSize, () => media.RtcpReducedSize = true);
            case "extmap-allow-mixed":
                return Flag(value, media.ExtmapAllowMixed, () => media.ExtmapAllowMixed = true);
            case "rtpmap":
                return SdpAttributeParser.RtpMap(value, out SdpRtpMap? rtpmap) ?? Add(media.RtpMaps, rtpmap!);
            case "rtcp-fb":
                return SdpAttributeParser.RtcpFeedback(value, out SdpRtcpFeedback? feedback) ?? Add(media.RtcpFeedbacks, feedback!);
            case "fmtp":
                return SdpAttributeParser.Fmtp(value, out SdpFmtp? fmtp) ?? Add(media.Fmtps, fmtp!);
            case "ssrc-group":
                return SdpAttributeParser.SsrcGroup(value, out SdpSsrcGroup? ssrcGroup) ?? Add(media.SsrcGroups, ssrcGroup!);
            case "ssrc":
                return SdpAttributeParser.Ssrc(value, out SdpSsrc? ssrc) ?? Add(media.Ssrcs, ssrc!);
            case "rid":
                return SdpAttributeParser.Rid(value, out SdpRid? rid) ?? Add(media.Rids, rid!);
            case "simulcast":
                if (media.Simulcast is not null)
                {
                    return "duplicate a=simulcast";
                }
                if (value is null || !SdpSimulcast.TryParse(value, out SdpSimulcast? simulcast))
                {
                    return "a=simulcast is not 'send <list>' and/or 'recv <list>' (RFC 8853)";
                }
                media.Simulcast = simulcast;
                return null;
            case "sctp-port":
                if (media.SctpPort is not null || value is null || !SdpNumbers.TryParsePort(value, out int sctpPort))
                {
                    return "a=sctp-port needs one port number";
                }
                media.SctpPort = sctpPort;
                return null;
            case "max-message-size":
                if (media.MaxMessageSize is not null || value is null || !SdpNumbers.TryParseULong(value, out ulong maxSize))
                {
                    return "a=max-message-size needs one number";
                }
                media.MaxMessageSize = maxSize;
                return null;
            default:
                return name.Length == 0 ? "attribute without a name" : Add(media.OtherAttributes, new SdpAttribute(name, value));
        }
    }

    /// <summary><c>a=&lt;name&gt;[:&lt;value&gt;]</c> (RFC 8866 §5.13).</summary>
    private static void SplitAttribute(string line, out string name, out string? value)
    {
        int colon = line.IndexOf(':', StringComparison.Ordinal);
        name = colon < 0 ? line : line[..colon];
        value = colon < 0 ? null : line[(colon + 1)..];
    }

    private static string? Flag(string? value, bool already, Action set)
    {
        if (value is not null)
        {
            return "flag attribute takes no value";
        }
        if (already)
        {
            return "duplicate flag attribute";
        }
        set();
        return null;
    }

    /// <summary>Applies a single-valued attribute: an existing value or a parse error rejects the line.</summary>
    private static string? Once<T>(T? existing, string? parseError, Action set)
    {
        if (existing is not null)
        {
            return "attribute may appear only once here";
        }
        if (parseError is not null)
        {
            return parseError;
        }
        set();
        return null;
    }
}
