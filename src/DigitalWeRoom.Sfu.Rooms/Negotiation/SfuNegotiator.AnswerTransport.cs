using System.Globalization;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

internal sealed partial class SfuNegotiator
{
    /// <summary>
    /// Reads the client's SSRCs from <c>a=ssrc:&lt;ssrc&gt; &lt;attribute&gt;[:&lt;value&gt;]</c> and pairs RTX SSRCs
    /// through <c>a=ssrc-group:FID &lt;primary&gt; &lt;rtx&gt;</c> (RFC 5576 §4.1, §4.2; RFC 4588 §8.7).
    /// </summary>
    private bool TryReadRemoteStreams(AnswerMediaView m, string where, out List<RemoteSendStream> streams, out string error)
    {
        streams = [];
        var order = new List<uint>();
        var cnames = new Dictionary<uint, string>();
        foreach (var line in m.FindAll("ssrc"))
        {
            var value = line.Value ?? "";
            int space = value.IndexOf(' ', StringComparison.Ordinal);
            var idText = space < 0 ? value : value[..space];
            if (!uint.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out uint ssrc) || ssrc == 0)
            {
                error = $"line {line.LineNumber}: a=ssrc value '{AnswerViewReader.Clip(idText)}' is not a non-zero 32-bit SSRC (RFC 5576 §4.1)";
                return false;
            }
            if (!order.Contains(ssrc))
            {
                if (order.Count >= _options.MaxSsrcsPerMediaSection)
                {
                    error = $"{where}: more than {_options.MaxSsrcsPerMediaSection} SSRCs in one m= section";
                    return false;
                }
                order.Add(ssrc);
            }
            if (space > 0 && value.AsSpan(space + 1).StartsWith("cname:"))
            {
                cnames[ssrc] = value[(space + 7)..];
            }
        }

        var rtxOf = new Dictionary<uint, uint>();
        foreach (var line in m.FindAll("ssrc-group"))
        {
            var parts = (line.Value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0] != "FID")
            {
                continue;
            }
            if (parts.Length != 3 ||
                !uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint primary) ||
                !uint.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint rtx) ||
                !order.Contains(primary) || !order.Contains(rtx) || primary == rtx)
            {
                error = $"line {line.LineNumber}: a=ssrc-group:FID must name two different SSRCs of this m= section (RFC 5576 §4.2)";
                return false;
            }
            rtxOf[rtx] = primary;
        }

        var seenSsrcs = new HashSet<uint>();
        foreach (uint ssrc in order)
        {
            if (rtxOf.ContainsKey(ssrc))
            {
                continue;
            }
            uint? rtx = null;
            foreach (var (repair, primary) in rtxOf)
            {
                if (primary == ssrc)
                {
                    rtx = repair;
                }
            }
            cnames.TryGetValue(ssrc, out var cname);
            streams.Add(new RemoteSendStream(ssrc, rtx, cname));
        }
        error = "";
        return true;
    }

    /// <summary>Reads <c>a=rid:&lt;id&gt; send</c> lines (RFC 8851 §4) of a section the client sends on.</summary>
    private static bool TryReadRids(AnswerMediaView m, string where, out List<string> rids, out string error)
    {
        rids = [];
        foreach (var line in m.FindAll("rid"))
        {
            var parts = (line.Value ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !SdpToken.IsRid(parts[0]))
            {
                error = $"line {line.LineNumber}: a=rid is not '<rid-id> send|recv' with an alphanumeric id (RFC 8851 §10)";
                return false;
            }
            if (parts[1] == "send" && !rids.Contains(parts[0]))
            {
                if (rids.Count >= 8)
                {
                    error = $"{where}: more than 8 rids";
                    return false;
                }
                rids.Add(parts[0]);
            }
        }
        error = "";
        return true;
    }

    /// <summary>
    /// Reads the transport parameters of the bundled transport from the BUNDLE-tagged section (falling back
    /// to the session level): ice-ufrag/ice-pwd (RFC 8839 §5.4), a sha-256 fingerprint (RFC 8122 §5) and
    /// setup, which must be active or passive in an answer (RFC 8842 §5.2).
    /// </summary>
    private static bool TryReadTransport(
        AnswerView view, AnswerMediaView tag, List<NegotiatedMedia> media,
        out string ufrag, out string pwd, out RemoteFingerprint fingerprint, out DtlsRole role, out string error)
    {
        ufrag = pwd = "";
        fingerprint = null!;
        role = default;
        string? Lookup(string name) => tag.Find(name)?.Value ?? view.SessionAttributes.FirstOrDefault(a => a.Name == name).Value;

        var ufragValue = Lookup("ice-ufrag");
        var pwdValue = Lookup("ice-pwd");
        if (ufragValue is null || pwdValue is null)
        {
            error = $"mid {tag.Find("mid")?.Value}: answer has no a=ice-ufrag / a=ice-pwd (RFC 8839 §5.4)";
            return false;
        }
        if (!SdpToken.IsIceChars(ufragValue, 4, 256) || !SdpToken.IsIceChars(pwdValue, 22, 256))
        {
            error = "answer's ice-ufrag must be 4..256 and ice-pwd 22..256 ice-chars (RFC 8839 §5.4)";
            return false;
        }
        foreach (var section in view.Media)
        {
            if (section.Port != 0 && section.Find("ice-ufrag") is { } other && other.Value != ufragValue)
            {
                error = $"line {other.LineNumber}: ice-ufrag differs from the BUNDLE-tagged section's; the bundle has one transport (RFC 8843 §7.1.3)";
                return false;
            }
        }

        var fingerprints = tag.FindAll("fingerprint").ToList();
        if (fingerprints.Count == 0)
        {
            fingerprints = view.SessionAttributes.Where(a => a.Name == "fingerprint").ToList();
        }
        if (fingerprints.Count == 0)
        {
            error = "answer has no a=fingerprint; DTLS needs the peer's certificate fingerprint (RFC 8122 §5)";
            return false;
        }
        foreach (var line in fingerprints)
        {
            var value = line.Value ?? "";
            if (value.StartsWith("sha-256 ", StringComparison.OrdinalIgnoreCase))
            {
                if (!RemoteFingerprint.TryParse(value, out fingerprint))
                {
                    error = $"line {line.LineNumber}: a=fingerprint sha-256 value is not 32 hex bytes separated by ':' (RFC 8122 §5)";
                    return false;
                }
                break;
            }
        }
        if (fingerprint is null)
        {
            error = "answer has no sha-256 a=fingerprint; the server verifies sha-256 only (RFC 8122 §5)";
            return false;
        }

        switch (Lookup("setup"))
        {
            case "active":
                role = DtlsRole.Server;
                break;
            case "passive":
                role = DtlsRole.Client;
                break;
            case "actpass":
                error = "answer has a=setup:actpass; an answer must choose active or passive (RFC 8842 §5.2)";
                return false;
            case null:
                error = "answer has no a=setup; it must be active or passive (RFC 8842 §5.2)";
                return false;
            default:
                error = "answer's a=setup is not active or passive (RFC 8842 §5.2)";
                return false;
        }
        ufrag = ufragValue;
        pwd = pwdValue;
        error = "";
        _ = media;
        return true;
    }
}
