using DigitalWeRoom.Sfu.Protocols.Sdp;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// The server side of one participant's transport, as plain strings (from WebRtcTransport's
/// LocalIceCredentials, LocalFingerprint and LocalCandidates).
/// </summary>
/// <param name="IceUfrag">ice-ufrag, 4..256 ice-chars (RFC 8839 §5.4).</param>
/// <param name="IcePwd">ice-pwd, 22..256 ice-chars.</param>
/// <param name="Fingerprint">The certificate fingerprint as written in SDP: <c>sha-256 AA:BB:...</c> (RFC 8122 §5).</param>
/// <param name="Candidates">Host candidates, each the value of an <c>a=candidate</c> line
/// (<c>candidate:1 1 udp 2130706431 127.0.0.1 40000 typ host</c>); a leading <c>a=</c> or a missing
/// <c>candidate:</c> prefix is accepted.</param>
public sealed record LocalTransportParameters(
    string IceUfrag,
    string IcePwd,
    string Fingerprint,
    IReadOnlyList<string> Candidates)
{
    /// <summary>Returns null when usable, otherwise what is wrong.</summary>
    public string? Validate() => TryParse(out _, out _, out var error) ? null : error;

    /// <summary>The fingerprint and candidates in their SDP model form.</summary>
    internal bool TryParse(out SdpFingerprint fingerprint, out List<SdpCandidate> candidates, out string error)
    {
        fingerprint = null!;
        candidates = [];
        if (!SdpToken.IsIceChars(IceUfrag, 4, 256))
        {
            error = "local ice-ufrag must be 4..256 ice-chars (RFC 8839 §5.4)";
            return false;
        }
        if (!SdpToken.IsIceChars(IcePwd, 22, 256))
        {
            error = "local ice-pwd must be 22..256 ice-chars (RFC 8839 §5.4)";
            return false;
        }
        if (SdpAttributeParser.Fingerprint(Fingerprint, out var parsed) is not null ||
            !string.Equals(parsed!.HashFunction, "sha-256", StringComparison.OrdinalIgnoreCase) || parsed.Value.Length != 32)
        {
            error = "local fingerprint must be 'sha-256 XX:XX:...' with 32 bytes (RFC 8122 §5)";
            return false;
        }
        fingerprint = parsed;
        foreach (var text in Candidates)
        {
            var value = text.StartsWith("a=", StringComparison.Ordinal) ? text[2..] : text;
            if (!SdpToken.IsLineSafe(value) || !SdpCandidate.TryParse(value, out var candidate, out _))
            {
                error = $"local candidate '{value}' is not a valid a=candidate value (RFC 8839 §5.1)";
                return false;
            }
            candidates.Add(candidate!);
        }
        error = "";
        return true;
    }
}
