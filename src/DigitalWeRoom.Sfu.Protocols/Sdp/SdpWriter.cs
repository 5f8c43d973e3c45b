using System.Text;

namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary>
/// Writes a <see cref="SessionDescription"/> as SDP text with CRLF line ends, in the order RFC 8866
/// §5 requires (v, o, s, i/u/e/p, c, b, t, r/z/k, a, then m-sections with i, c, b, k, a) and, within
/// attributes, the order Chromium uses (so a Chromium SDP is written back byte for byte):
/// transport (rtcp, candidates, ICE, DTLS), mid, extmaps, direction, msid, RTCP flags, others, then
/// per codec rtpmap, rtcp-fb, fmtp, then SSRC, RID and simulcast, then SCTP lines.
/// </summary>
public static class SdpWriter
{
    public static string Write(SessionDescription sdp)
    {
        var text = new StringBuilder(4096);
        SdpOrigin o = sdp.Origin;
        Line(text, 'v', SdpNumbers.Format(sdp.Version));
        Line(text, 'o', $"{o.Username} {o.SessionId} {o.SessionVersion} {o.NetType} {o.AddressType} {o.Address}");
        Line(text, 's', sdp.SessionName);
        WriteOtherLines(text, sdp.OtherLines, "iuep");
        WriteConnection(text, sdp.Connection);
        WriteBandwidths(text, sdp.Bandwidths);
        Line(text, 't', SdpNumbers.Format(sdp.Timing.Start) + " " + SdpNumbers.Format(sdp.Timing.Stop));
        WriteOtherLines(text, sdp.OtherLines, "trzk");

        foreach (SdpGroup group in sdp.Groups)
        {
            Attribute(text, "group", Join(group.Semantics, group.Mids));
        }
        if (sdp.IceLite)
        {
            Attribute(text, "ice-lite");
        }
        WriteIce(text, sdp.IceUfrag, sdp.IcePwd, sdp.IceOptions);
        WriteDtls(text, sdp.Fingerprints, sdp.Setup);
        if (sdp.ExtmapAllowMixed)
        {
            Attribute(text, "extmap-allow-mixed");
        }
        if (sdp.MsidSemantic is SdpMsidSemantic semantic)
        {
            // Chromium writes a space after the colon; keep its form.
            Attribute(text, "msid-semantic", " " + Join(semantic.Semantic, semantic.Identifiers));
        }
        WriteExtmaps(text, sdp.Extmaps);
        WriteOthers(text, sdp.OtherAttributes);

        foreach (MediaDescription media in sdp.Media)
        {
            WriteMedia(text, media);
        }
        return text.ToString();
    }

    private static void WriteMedia(StringBuilder text, MediaDescription media)
    {
        string port = SdpNumbers.Format(media.Port) + (media.PortCount is int count ? "/" + SdpNumbers.Format(count) : "");
        Line(text, 'm', $"{media.Kind} {port} {media.Protocol} {string.Join(' ', media.Formats)}");
        WriteOtherLines(text, media.OtherLines, "i");
        WriteConnection(text, media.Connection);
        WriteBandwidths(text, media.Bandwidths);
        WriteOtherLines(text, media.OtherLines, "k");

        if (media.Rtcp is SdpRtcp rtcp)
        {
            SdpConnection? c = rtcp.Connection;
            Attribute(text, "rtcp", SdpNumbers.Format(rtcp.Port) + (c is null ? "" : $" {c.NetType} {c.AddressType} {c.Address}"));
        }
        foreach (SdpCandidate candidate in media.Candidates)
        {
            Attribute(text, "candidate", candidate.FormatValue());
        }
        WriteIce(text, media.IceUfrag, media.IcePwd, media.IceOptions);
        WriteDtls(text, media.Fingerprints, media.Setup);
        if (media.Mid is not null)
        {
            Attribute(text, "mid", media.Mid);
        }
        if (media.ExtmapAllowMixed)
        {
            Attribute(text, "extmap-allow-mixed");
        }
        WriteExtmaps(text, media.Extmaps);
        if (media.Direction is SdpDirection direction)
        {
            Attribute(text, DirectionName(direction));
        }
        foreach (SdpMsid msid in media.Msids)
        {
            Attribute(text, "msid", msid.TrackId is null ? msid.StreamId : msid.StreamId + " " + msid.TrackId);
        }
        Flag(text, "rtcp-mux", media.RtcpMux);
        Flag(text, "rtcp-mux-only", media.RtcpMuxOnly);
        Flag(text, "rtcp-rsize", media.RtcpReducedSize);
        WriteOthers(text, media.OtherAttributes);
        WriteCodecs(text, media);

        foreach (SdpSsrcGroup group in media.SsrcGroups)
        {
            Attribute(text, "ssrc-group", Join(group.Semantics, group.Ssrcs.Select(s => SdpNumbers.Format(s))));
        }
        foreach (SdpSsrc ssrc in media.Ssrcs)
        {
            Attribute(text, "ssrc", SdpNumbers.Format(ssrc.Ssrc) + " " + ssrc.Attribute + (ssrc.Value is null ? "" : ":" + ssrc.Value));
        }
        foreach (SdpRid rid in media.Rids)
        {
            string direction2 = rid.Direction == SdpRidDirection.Send ? "send" : "recv";
            Attribute(text, "rid", rid.Id + " " + direction2 + (rid.Restrictions is null ? "" : " " + rid.Restrictions));
        }
        if (media.Simulcast is SdpSimulcast simulcast)
        {
            Attribute(text, "simulcast", simulcast.FormatValue());
        }
        if (media.SctpPort is int sctpPort)
        {
            Attribute(text, "sctp-port", SdpNumbers.Format(sctpPort));
        }
        if (media.MaxMessageSize is ulong maxMessageSize)
        {
            Attribute(text, "max-message-size", SdpNumbers.Format(maxMessageSize));
        }
        Flag(text, "end-of-candidates", media.EndOfCandidates);
    }

    /// <summary>Per payload type in m-line order: rtpmap, rtcp-fb, fmtp; then lines for other payload types.</summary>
    private static void WriteCodecs(StringBuilder text, MediaDescription media)
    {
        // Group the lines by payload type once, keeping first-seen order of the types.
        var lines = new Dictionary<int, List<string>>();
        var order = new List<int>();
        foreach (SdpRtpMap map in media.RtpMaps)
        {
            LinesFor(lines, order, map.PayloadType).Add("rtpmap:" + SdpNumbers.Format(map.PayloadType) + " " + map.EncodingName + "/"
                + SdpNumbers.Format(map.ClockRate) + (map.Channels is int channels ? "/" + SdpNumbers.Format(channels) : ""));
        }
        foreach (SdpRtcpFeedback feedback in media.RtcpFeedbacks)
        {
            if (feedback.PayloadType is int pt)
            {
                LinesFor(lines, order, pt).Add(FeedbackValue(feedback));
            }
            else
            {
                Attribute(text, FeedbackValue(feedback));
            }
        }
        foreach (SdpFmtp fmtp in media.Fmtps)
        {
            LinesFor(lines, order, fmtp.PayloadType).Add("fmtp:" + SdpNumbers.Format(fmtp.PayloadType) + " " + fmtp.Parameters);
        }
        foreach (string format in media.Formats)
        {
            if (SdpNumbers.TryParseInt(format, out int pt) && lines.Remove(pt, out List<string>? codecLines))
            {
                WriteAll(text, codecLines);
            }
        }
        // Lines naming a payload type absent from the m-line are kept, after the listed ones.
        foreach (int pt in order)
        {
            if (lines.Remove(pt, out List<string>? codecLines))
            {
                WriteAll(text, codecLines);
            }
        }
    }

    private static List<string> LinesFor(Dictionary<int, List<string>> lines, List<int> order, int pt)
    {
        if (!lines.TryGetValue(pt, out List<string>? list))
        {
            // Each list keeps rtpmap before rtcp-fb before fmtp, because they are added in that order.
            lines[pt] = list = [];
            order.Add(pt);
        }
        return list;
    }

    private static void WriteAll(StringBuilder text, List<string> attributes)
    {
        foreach (string attribute in attributes)
        {
            Attribute(text, attribute);
        }
    }

    private static string FeedbackValue(SdpRtcpFeedback feedback) =>
        "rtcp-fb:" + (feedback.PayloadType is int pt ? SdpNumbers.Format(pt) : "*") + " " + feedback.Type
            + (feedback.Subtype is null ? "" : " " + feedback.Subtype);

    private static void WriteIce(StringBuilder text, string? ufrag, string? pwd, List<string> options)
    {
        if (ufrag is not null)
        {
            Attribute(text, "ice-ufrag", ufrag);
        }
        if (pwd is not null)
        {
            Attribute(text, "ice-pwd", pwd);
        }
        if (options.Count > 0)
        {
            Attribute(text, "ice-options", string.Join(' ', options));
        }
    }

    private static void WriteDtls(StringBuilder text, List<SdpFingerprint> fingerprints, SdpSetup? setup)
    {
        foreach (SdpFingerprint fingerprint in fingerprints)
        {
            Attribute(text, "fingerprint", fingerprint.HashFunction + " " + fingerprint.FormatValue());
        }
        if (setup is SdpSetup value)
        {
            Attribute(text, "setup", value switch
            {
                SdpSetup.Active => "active",
                SdpSetup.Passive => "passive",
                SdpSetup.HoldConn => "holdconn",
                _ => "actpass",
            });
        }
    }

    private static void WriteExtmaps(StringBuilder text, List<SdpExtmap> extmaps)
    {
        foreach (SdpExtmap extmap in extmaps)
        {
            string id = SdpNumbers.Format(extmap.Id) + (extmap.Direction is SdpDirection d ? "/" + DirectionName(d) : "");
            Attribute(text, "extmap", id + " " + extmap.Uri + (extmap.Attributes is null ? "" : " " + extmap.Attributes));
        }
    }

    private static void WriteOthers(StringBuilder text, List<SdpAttribute> attributes)
    {
        foreach (SdpAttribute attribute in attributes)
        {
            Attribute(text, attribute.Name, attribute.Value);
        }
    }

    private static void WriteOtherLines(StringBuilder text, List<SdpLine> lines, string types)
    {
        foreach (SdpLine line in lines)
        {
            if (types.Contains(line.Type, StringComparison.Ordinal))
            {
                Line(text, line.Type, line.Value);
            }
        }
    }

    private static void WriteConnection(StringBuilder text, SdpConnection? connection)
    {
        if (connection is not null)
        {
            Line(text, 'c', $"{connection.NetType} {connection.AddressType} {connection.Address}");
        }
    }

    private static void WriteBandwidths(StringBuilder text, List<SdpBandwidth> bandwidths)
    {
        foreach (SdpBandwidth bandwidth in bandwidths)
        {
            Line(text, 'b', bandwidth.Type + ":" + SdpNumbers.Format(bandwidth.Value));
        }
    }

    private static string DirectionName(SdpDirection direction) => direction switch
    {
        SdpDirection.SendOnly => "sendonly",
        SdpDirection.RecvOnly => "recvonly",
        SdpDirection.Inactive => "inactive",
        _ => "sendrecv",
    };

    private static string Join(string head, IEnumerable<string> tail)
    {
        var text = new StringBuilder(head);
        foreach (string item in tail)
        {
            text.Append(' ').Append(item);
        }
        return text.ToString();
    }

    private static void Flag(StringBuilder text, string name, bool set)
    {
        if (set)
        {
            Attribute(text, name);
        }
    }

    private static void Attribute(StringBuilder text, string name, string? value = null)
    {
        text.Append("a=").Append(name);
        if (value is not null)
        {
            text.Append(':').Append(value);
        }
        text.Append("\r\n");
    }

    private static void Line(StringBuilder text, char type, string value) =>
        text.Append(type).Append('=').Append(value).Append("\r\n");
}
