namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary>
/// Value parsers for the typed attributes. Each returns null on success or a reason, and never
/// throws; the value is null when the line had no colon.
/// </summary>
public static class SdpAttributeParser
{
    private const string NoValue = "attribute needs a value";

    /// <summary><c>a=group:&lt;semantics&gt; *(SP &lt;mid&gt;)</c> (RFC 5888 §5).</summary>
    public static string? Group(string? value, out SdpGroup? group)
    {
        group = null;
        string[] parts = Words(value);
        if (parts.Length == 0 || !SdpParser.IsToken(parts[0]) || parts.Skip(1).Any(mid => !SdpParser.IsToken(mid)))
        {
            return "a=group needs semantics and mid tokens";
        }
        group = new SdpGroup(parts[0], parts[1..]);
        return null;
    }

    /// <summary><c>a=msid-semantic: WMS [ids]</c>, Chromium's legacy form (the space after the colon is usual).</summary>
    public static string? MsidSemantic(string? value, out SdpMsidSemantic? semantic)
    {
        semantic = null;
        string[] parts = Words(value);
        if (parts.Length == 0)
        {
            return "a=msid-semantic needs a semantic";
        }
        semantic = new SdpMsidSemantic(parts[0], parts[1..]);
        return null;
    }

    /// <summary>ice-ufrag / ice-pwd (RFC 8839 §5.4): 4..256 (ufrag) or 22..256 (pwd) ice-chars (ALPHA / DIGIT / "+" / "/").</summary>
    public static string? IceChars(string? value, int minimum, out string? result)
    {
        result = value;
        if (value is null || value.Length < minimum || value.Length > 256)
        {
            return $"ICE credential must have {minimum}..256 characters";
        }
        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '+' && c != '/')
            {
                return "ICE credential has a character outside ALPHA / DIGIT / '+' / '/'";
            }
        }
        return null;
    }

    /// <summary><c>a=ice-options:&lt;token&gt; *(SP &lt;token&gt;)</c> (RFC 8839 §5.6).</summary>
    public static string? IceOptions(string? value, List<string> options)
    {
        string[] parts = Words(value);
        if (parts.Length == 0 || parts.Any(p => !SdpParser.IsToken(p)))
        {
            return "a=ice-options needs option tokens";
        }
        options.AddRange(parts);
        return null;
    }

    /// <summary><c>a=fingerprint:&lt;hash-func&gt; SP XX:XX:...</c> (RFC 8122 §5).</summary>
    public static string? Fingerprint(string? value, out SdpFingerprint? fingerprint)
    {
        fingerprint = null;
        string[] parts = Words(value);
        if (parts.Length != 2 || !SdpParser.IsToken(parts[0]))
        {
            return "a=fingerprint needs a hash function and a digest";
        }
        string hex = parts[1];
        if ((hex.Length + 1) % 3 != 0 || hex.Length > 64 * 3)
        {
            return "a=fingerprint digest must be hex pairs separated by ':'";
        }
        byte[] digest = new byte[(hex.Length + 1) / 3];
        for (int i = 0; i < digest.Length; i++)
        {
            int at = i * 3;
            if ((at + 2 < hex.Length && hex[at + 2] != ':') || !char.IsAsciiHexDigit(hex[at]) || !char.IsAsciiHexDigit(hex[at + 1]))
            {
                return "a=fingerprint digest must be hex pairs separated by ':'";
            }
            digest[i] = (byte)((HexValue(hex[at]) << 4) | HexValue(hex[at + 1]));
        }
        fingerprint = new SdpFingerprint(parts[0], digest);
        return null;
    }

    /// <summary><c>a=setup:active|passive|actpass|holdconn</c> (RFC 4145 §4).</summary>
    public static string? Setup(string? value, out SdpSetup setup)
    {
        switch (value)
        {
            case "actpass": setup = SdpSetup.ActPass; return null;
            case "active": setup = SdpSetup.Active; return null;
            case "passive": setup = SdpSetup.Passive; return null;
            case "holdconn": setup = SdpSetup.HoldConn; return null;
            default: setup = default; return "a=setup must be active, passive, actpass or holdconn";
        }
    }

    public static SdpDirection ParseDirection(string name) => name switch
    {
        "sendonly" => SdpDirection.SendOnly,
        "recvonly" => SdpDirection.RecvOnly,
        "inactive" => SdpDirection.Inactive,
        _ => SdpDirection.SendRecv,
    };

    /// <summary><c>a=rtcp:&lt;port&gt; [&lt;nettype&gt; &lt;addrtype&gt; &lt;address&gt;]</c> (RFC 3605 §2.1).</summary>
    public static string? Rtcp(string? value, out SdpRtcp? rtcp)
    {
        rtcp = null;
        string[] parts = Words(value);
        if ((parts.Length != 1 && parts.Length != 4) || !SdpNumbers.TryParsePort(parts[0], out int port))
        {
            return "a=rtcp needs a port and optionally network type, address type and address";
        }
        rtcp = new SdpRtcp(port, parts.Length == 4 ? new SdpConnection(parts[1], parts[2], parts[3]) : null);
        return null;
    }

    /// <summary><c>a=extmap:&lt;id&gt;[/&lt;direction&gt;] &lt;uri&gt; [&lt;attributes&gt;]</c> (RFC 8285 §8).</summary>
    public static string? Extmap(string? value, out SdpExtmap? extmap)
    {
        extmap = null;
        if (value is null)
        {
            return NoValue;
        }
        int space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || space == value.Length - 1)
        {
            return "a=extmap needs an id and a URI";
        }
        string idText = value[..space];
        SdpDirection? direction = null;
        int slash = idText.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            string directionText = idText[(slash + 1)..];
            if (directionText is not ("sendrecv" or "sendonly" or "recvonly" or "inactive"))
            {
                return "a=extmap direction must be sendrecv, sendonly, recvonly or inactive";
            }
            direction = ParseDirection(directionText);
            idText = idText[..slash];
        }
        if (!SdpNumbers.TryParseInt(idText, out int id) || id < 1 || id > 4351)
        {
            return "a=extmap id must be a number in 1..4351";
        }
        string rest = value[(space + 1)..];
        int attributesAt = rest.IndexOf(' ', StringComparison.Ordinal);
        string uri = attributesAt < 0 ? rest : rest[..attributesAt];
        if (uri.Length == 0)
        {
            return "a=extmap needs a URI";
        }
        extmap = new SdpExtmap(id, direction, uri, attributesAt < 0 ? null : rest[(attributesAt + 1)..]);
        return null;
    }

    /// <summary><c>a=msid:&lt;stream-id&gt; [&lt;track-id&gt;]</c> (RFC 8830 §2).</summary>
    public static string? Msid(string? value, out SdpMsid? msid)
    {
        msid = null;
        string[] parts = Words(value);
        if (parts.Length is not (1 or 2))
        {
            return "a=msid needs a stream id and optionally a track id";
        }
        msid = new SdpMsid(parts[0], parts.Length == 2 ? parts[1] : null);
        return null;
    }

    /// <summary><c>a=rtpmap:&lt;pt&gt; &lt;name&gt;/&lt;clock&gt;[/&lt;channels&gt;]</c> (RFC 8866 §6.6).</summary>
    public static string? RtpMap(string? value, out SdpRtpMap? rtpmap)
    {
        rtpmap = null;
        string[] parts = Words(value);
        if (parts.Length != 2 || !TryPayloadType(parts[0], out int pt))
        {
            return "a=rtpmap needs a payload type 0..127 and <encoding>/<clock rate>[/<channels>]";
        }
        string[] encoding = parts[1].Split('/');
        int channels = 0;
        if (encoding.Length is < 2 or > 3 || !SdpParser.IsToken(encoding[0])
            || !SdpNumbers.TryParseInt(encoding[1], out int clock) || clock == 0
            || (encoding.Length == 3 && (!SdpNumbers.TryParseInt(encoding[2], out channels) || channels == 0)))
        {
            return "a=rtpmap encoding must be <name>/<clock rate>[/<channels>]";
        }
        rtpmap = new SdpRtpMap(pt, encoding[0], clock, encoding.Length == 3 ? channels : null);
        return null;
    }

    /// <summary><c>a=fmtp:&lt;pt&gt; &lt;parameters&gt;</c> (RFC 8866 §6.15); parameters kept raw.</summary>
    public static string? Fmtp(string? value, out SdpFmtp? fmtp)
    {
        fmtp = null;
        int space = value?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        if (value is null || space <= 0 || !TryPayloadType(value.AsSpan(0, space), out int pt) || space == value.Length - 1)
        {
            return "a=fmtp needs a payload type 0..127 and parameters";
        }
        fmtp = new SdpFmtp(pt, value[(space + 1)..]);
        return null;
    }

    /// <summary><c>a=rtcp-fb:&lt;pt&gt;|* &lt;type&gt; [&lt;parameters&gt;]</c> (RFC 4585 §4.2).</summary>
    public static string? RtcpFeedback(string? value, out SdpRtcpFeedback? feedback)
    {
        feedback = null;
        string[] parts = Words(value);
        int pt = 0;
        if (parts.Length < 2 || (parts[0] != "*" && !TryPayloadType(parts[0], out pt)) || !SdpParser.IsToken(parts[1]))
        {
            return "a=rtcp-fb needs a payload type (or *) and a feedback type";
        }
        feedback = new SdpRtcpFeedback(parts[0] == "*" ? null : pt, parts[1], parts.Length > 2 ? string.Join(' ', parts[2..]) : null);
        return null;
    }

    /// <summary><c>a=ssrc:&lt;ssrc&gt; &lt;attribute&gt;[:&lt;value&gt;]</c> (RFC 5576 §4.1).</summary>
    public static string? Ssrc(string? value, out SdpSsrc? ssrc)
    {
        ssrc = null;
        int space = value?.IndexOf(' ', StringComparison.Ordinal) ?? -1;
        if (value is null || space <= 0 || !SdpNumbers.TryParseUInt(value.AsSpan(0, space), out uint id) || space == value.Length - 1)
        {
            return "a=ssrc needs a 32-bit source id and an attribute";
        }
        string attribute = value[(space + 1)..];
        int colon = attribute.IndexOf(':', StringComparison.Ordinal);
        string name = colon < 0 ? attribute : attribute[..colon];
        if (!SdpParser.IsToken(name))
        {
            return "a=ssrc attribute name is not a token";
        }
        ssrc = new SdpSsrc(id, name, colon < 0 ? null : attribute[(colon + 1)..]);
        return null;
    }

    /// <summary><c>a=ssrc-group:&lt;semantics&gt; *(SP &lt;ssrc&gt;)</c> (RFC 5576 §4.2).</summary>
    public static string? SsrcGroup(string? value, out SdpSsrcGroup? group)
    {
        group = null;
        string[] parts = Words(value);
        if (parts.Length < 2 || !SdpParser.IsToken(parts[0]))
        {
            return "a=ssrc-group needs semantics and source ids";
        }
        var ssrcs = new uint[parts.Length - 1];
        for (int i = 1; i < parts.Length; i++)
        {
            if (!SdpNumbers.TryParseUInt(parts[i], out ssrcs[i - 1]))
            {
                return "a=ssrc-group source id is not a 32-bit number";
            }
        }
        group = new SdpSsrcGroup(parts[0], ssrcs);
        return null;
    }

    /// <summary><c>a=rid:&lt;id&gt; send|recv [&lt;restrictions&gt;]</c> (RFC 8851 §10).</summary>
    public static string? Rid(string? value, out SdpRid? rid)
    {
        rid = null;
        string[] parts = Words(value);
        if (parts.Length is < 2 or > 3 || !SdpRidSyntax.IsValidId(parts[0]) || parts[1] is not ("send" or "recv"))
        {
            return "a=rid needs an id, send or recv, and optional restrictions";
        }
        rid = new SdpRid(parts[0], parts[1] == "send" ? SdpRidDirection.Send : SdpRidDirection.Recv, parts.Length == 3 ? parts[2] : null);
        return null;
    }

    private static bool TryPayloadType(ReadOnlySpan<char> text, out int pt) =>
        SdpNumbers.TryParseInt(text, out pt) && pt <= 127;

    private static string[] Words(string? value) =>
        value is null ? [] : value.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
