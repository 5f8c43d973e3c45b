using DigitalWeRoom.Sfu.Protocols.Sdp;
using DigitalWeRoom.Sfu.Transport.Dtls;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// Reads what an answer says about the client's side (RFC 8829 §5.3, §5.10): its send streams, its rids and the
/// bundled transport's ICE/DTLS parameters. Pure functions over the parsed answer, used by <see cref="SfuNegotiator"/>.
/// </summary>
internal static class AnswerReader
{
    /// <summary>
    /// Reads the client's SSRCs from <c>a=ssrc</c> lines and pairs RTX SSRCs through
    /// <c>a=ssrc-group:FID &lt;primary&gt; &lt;rtx&gt;</c> (RFC 5576 §4.1, §4.2; RFC 4588 §8.7).
    /// </summary>
    public static bool TryReadRemoteStreams(MediaDescription m, string where, int maxSsrcs, out List<RemoteSendStream> streams, out string error)
    {
        streams = [];
        var order = m.SsrcIds;
        if (order.Count > maxSsrcs)
        {
            error = $"{where}: more than {maxSsrcs} SSRCs in one m= section";
            return false;
        }
        if (order.Contains(0u))
        {
            error = $"{where}: a=ssrc 0 is not a usable SSRC; SSRCs must be non-zero here";
            return false;
        }

        var rtxOf = new Dictionary<uint, uint>();
        foreach (var group in m.SsrcGroups)
        {
            if (group.Semantics != "FID")
            {
                continue;
            }
            if (group.Ssrcs.Count != 2 || group.Ssrcs[0] == group.Ssrcs[1] ||
                !order.Contains(group.Ssrcs[0]) || !order.Contains(group.Ssrcs[1]) ||
                rtxOf.ContainsKey(group.Ssrcs[1]) || rtxOf.ContainsValue(group.Ssrcs[0]))
            {
                error = $"{where}: a=ssrc-group:FID must pair two different SSRCs of this m= section, each once (RFC 5576 §4.2)";
                return false;
            }
            rtxOf[group.Ssrcs[1]] = group.Ssrcs[0];
        }

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
            streams.Add(new RemoteSendStream(ssrc, rtx, m.FindSsrcAttribute(ssrc, "cname")));
        }
        error = "";
        return true;
    }

    /// <summary>The rids the client sends (RFC 8851 §4), in its simulcast order when present (RFC 8853).</summary>
    public static bool TryReadRids(MediaDescription m, string where, out List<string> rids, out string error)
    {
        rids = [.. m.SendRids.Select(r => r.Id).Distinct()];
        if (rids.Count > 8)
        {
            error = $"{where}: more than 8 rids";
            return false;
        }
        foreach (var rid in rids)
        {
            if (!SdpToken.IsRid(rid))
            {
                error = $"{where}: rid '{SdpToken.Clip(rid)}' is longer than 16 characters (RFC 8852 §3.3)";
                return false;
            }
        }
        error = "";
        return true;
    }

    /// <summary>
    /// Reads the bundled transport's parameters from the BUNDLE-tagged section, falling back to the session
    /// level: ice-ufrag/ice-pwd (RFC 8839 §5.4), a sha-256 fingerprint (RFC 8122 §5) and setup, which must be
    /// active or passive in an answer (RFC 8842 §5.2).
    /// </summary>
    public static bool TryReadTransport(
        SessionDescription answer, MediaDescription tag,
        out string ufrag, out string pwd, out SdpFingerprint fingerprint, out DtlsRole role, out string error)
    {
        ufrag = pwd = "";
        fingerprint = null!;
        role = default;
        var ufragValue = answer.IceUfragFor(tag);
        var pwdValue = answer.IcePwdFor(tag);
        if (ufragValue is null || pwdValue is null)
        {
            error = $"mid {tag.Mid}: answer has no a=ice-ufrag / a=ice-pwd (RFC 8839 §5.4)";
            return false;
        }
        if (!SdpToken.IsIceChars(ufragValue, 4, 256) || !SdpToken.IsIceChars(pwdValue, 22, 256))
        {
            error = "answer's ice-ufrag must be 4..256 and ice-pwd 22..256 ice-chars (RFC 8839 §5.4)";
            return false;
        }
        foreach (var section in answer.Media)
        {
            if (section.Port != 0 && answer.IceUfragFor(section) is { } other && other != ufragValue)
            {
                error = $"mid {section.Mid}: ice-ufrag differs from the BUNDLE-tagged section's; the bundle has one transport (RFC 8843 §7.1.3)";
                return false;
            }
        }

        var fingerprints = tag.Fingerprints.Count > 0 ? tag.Fingerprints : answer.Fingerprints;
        if (fingerprints.Count == 0)
        {
            error = "answer has no a=fingerprint; DTLS needs the peer's certificate fingerprint (RFC 8122 §5)";
            return false;
        }
        var sha256 = fingerprints.Find(f => string.Equals(f.HashFunction, "sha-256", StringComparison.OrdinalIgnoreCase));
        if (sha256 is null)
        {
            error = "answer has no sha-256 a=fingerprint; the server verifies sha-256 only (RFC 8122 §5)";
            return false;
        }
        if (sha256.Value.Length != 32)
        {
            error = $"answer's sha-256 fingerprint has {sha256.Value.Length} bytes, not 32 (RFC 8122 §5)";
            return false;
        }
        fingerprint = new SdpFingerprint("sha-256", sha256.Value);

        switch (answer.SetupFor(tag))
        {
            case SdpSetup.Active:
                role = DtlsRole.Server;
                break;
            case SdpSetup.Passive:
                role = DtlsRole.Client;
                break;
            case SdpSetup.ActPass:
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
        return true;
    }
}
