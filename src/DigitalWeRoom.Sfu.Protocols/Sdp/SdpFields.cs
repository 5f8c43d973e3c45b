namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary><c>o=</c> (RFC 8866 §5.2). Ids are kept as the decimal text the peer sent.</summary>
public sealed record SdpOrigin(string Username, string SessionId, string SessionVersion, string NetType, string AddressType, string Address)
{
    /// <summary>The origin a server puts in its own offers and answers.</summary>
    public static SdpOrigin Create(ulong sessionId, ulong version) =>
        new("-", sessionId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            version.ToString(System.Globalization.CultureInfo.InvariantCulture), "IN", "IP4", "127.0.0.1");
}

/// <summary><c>t=</c> (RFC 8866 §5.9); WebRTC always sends <c>t=0 0</c>.</summary>
public sealed record SdpTiming(ulong Start, ulong Stop);

/// <summary><c>c=</c> (RFC 8866 §5.7); the address may carry <c>/ttl</c> for multicast, kept as text.</summary>
public sealed record SdpConnection(string NetType, string AddressType, string Address)
{
    public static SdpConnection Unspecified { get; } = new("IN", "IP4", "0.0.0.0");
}

/// <summary><c>b=</c> (RFC 8866 §5.8), e.g. <c>AS:1000</c> or <c>TIAS:64000</c>.</summary>
public sealed record SdpBandwidth(string Type, ulong Value);

/// <summary>An attribute this code has no type for, kept verbatim (name, and value after the first colon, or null for a flag).</summary>
public sealed record SdpAttribute(string Name, string? Value);

/// <summary>Another line type (i=, u=, e=, p=, z=, k=, r=) kept verbatim, in order.</summary>
public sealed record SdpLine(char Type, string Value);

/// <summary><c>a=group</c> (RFC 5888 §5), e.g. BUNDLE with its mids (RFC 8843).</summary>
public sealed record SdpGroup(string Semantics, IReadOnlyList<string> Mids);

/// <summary><c>a=msid-semantic</c> (legacy WebRTC, still sent by Chromium): "WMS" and optional stream ids.</summary>
public sealed record SdpMsidSemantic(string Semantic, IReadOnlyList<string> Identifiers);

/// <summary><c>a=setup</c> (RFC 4145 §4, RFC 8842 §5): who starts DTLS.</summary>
public enum SdpSetup : byte
{
    ActPass = 0,
    Active = 1,
    Passive = 2,
    HoldConn = 3,
}

/// <summary>Media direction attribute (RFC 8866 §6.7).</summary>
public enum SdpDirection : byte
{
    SendRecv = 0,
    SendOnly = 1,
    RecvOnly = 2,
    Inactive = 3,
}

/// <summary>
/// <c>a=fingerprint</c> (RFC 8122 §5): hash function name (e.g. "sha-256") and the digest bytes,
/// written as upper-case hex pairs separated by colons.
/// </summary>
public sealed record SdpFingerprint(string HashFunction, byte[] Value)
{
    public bool Matches(string hashFunction, ReadOnlySpan<byte> digest) =>
        string.Equals(HashFunction, hashFunction, StringComparison.OrdinalIgnoreCase) && digest.SequenceEqual(Value);

    /// <summary>The digest as "AB:CD:...".</summary>
    public string FormatValue()
    {
        var text = new System.Text.StringBuilder(Value.Length * 3);
        for (int i = 0; i < Value.Length; i++)
        {
            if (i > 0)
            {
                text.Append(':');
            }
            text.Append(Value[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    public bool Equals(SdpFingerprint? other) =>
        other is not null && HashFunction == other.HashFunction && Value.AsSpan().SequenceEqual(other.Value);

    public override int GetHashCode() => HashCode.Combine(HashFunction, Value.Length);
}

/// <summary><c>a=rtcp</c> (RFC 3605): the RTCP port, and optionally its address.</summary>
public sealed record SdpRtcp(int Port, SdpConnection? Connection);
