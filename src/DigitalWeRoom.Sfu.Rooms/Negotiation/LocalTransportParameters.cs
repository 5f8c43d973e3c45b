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
internal sealed record LocalTransportParameters(
    string IceUfrag,
    string IcePwd,
    string Fingerprint,
    IReadOnlyList<string> Candidates)
{
    /// <summary>Returns null when usable, otherwise what is wrong.</summary>
    public string? Validate()
    {
        if (!SdpToken.IsIceChars(IceUfrag, 4, 256))
        {
            return "local ice-ufrag must be 4..256 ice-chars (RFC 8839 §5.4)";
        }
        if (!SdpToken.IsIceChars(IcePwd, 22, 256))
        {
            return "local ice-pwd must be 22..256 ice-chars (RFC 8839 §5.4)";
        }
        if (!RemoteFingerprint.TryParse(Fingerprint, out var parsed) || parsed.Algorithm != "sha-256")
        {
            return "local fingerprint must be 'sha-256 XX:XX:...' with 32 bytes (RFC 8122 §5)";
        }
        foreach (var candidate in Candidates)
        {
            if (!SdpToken.IsLineSafe(candidate))
            {
                return "a local candidate contains characters that are not allowed in an SDP line";
            }
        }
        return null;
    }

    /// <summary>The candidate as an attribute value starting with <c>candidate:</c>.</summary>
    internal static string NormalizeCandidate(string candidate)
    {
        var value = candidate.StartsWith("a=", StringComparison.Ordinal) ? candidate[2..] : candidate;
        return value.StartsWith("candidate:", StringComparison.Ordinal) ? value : "candidate:" + value;
    }
}
