namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary><c>a=rtpmap</c> (RFC 8866 §6.6): payload type, encoding name, clock rate, channels (audio).</summary>
public sealed record SdpRtpMap(int PayloadType, string EncodingName, int ClockRate, int? Channels);

/// <summary>
/// <c>a=fmtp</c> (RFC 8866 §6.15). The parameter text is kept raw (it is codec-specific: "apt=96",
/// "minptime=10;useinbandfec=1", or RED's "111/111"); <see cref="ParseParameters"/> splits the usual
/// <c>key=value;key=value</c> form.
/// </summary>
public sealed record SdpFmtp(int PayloadType, string Parameters)
{
    public IReadOnlyList<SdpParameter> ParseParameters() => SdpParameter.ParseList(Parameters, ';');

    public bool TryGetParameter(string name, out string? value)
    {
        foreach (SdpParameter parameter in ParseParameters())
        {
            if (string.Equals(parameter.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = parameter.Value;
                return true;
            }
        }
        value = null;
        return false;
    }
}

/// <summary>One <c>name[=value]</c> pair of an fmtp line or a rid restriction list.</summary>
public sealed record SdpParameter(string Name, string? Value)
{
    public static IReadOnlyList<SdpParameter> ParseList(string text, char separator)
    {
        var result = new List<SdpParameter>();
        foreach (string part in text.Split(separator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = part.IndexOf('=', StringComparison.Ordinal);
            result.Add(equals < 0 ? new SdpParameter(part, null) : new SdpParameter(part[..equals], part[(equals + 1)..]));
        }
        return result;
    }
}

/// <summary>
/// <c>a=rtcp-fb</c> (RFC 4585 §4.2): payload type (null for <c>*</c>), feedback type ("nack", "ccm",
/// "goog-remb", "transport-cc") and optional parameter ("pli", "fir").
/// </summary>
public sealed record SdpRtcpFeedback(int? PayloadType, string Type, string? Subtype);

/// <summary><c>a=extmap</c> (RFC 8285 §8): id, optional direction, URI, optional extension attributes.</summary>
public sealed record SdpExtmap(int Id, SdpDirection? Direction, string Uri, string? Attributes);

/// <summary><c>a=msid</c> (RFC 8830 §2): stream id ("-" for none) and optional track id.</summary>
public sealed record SdpMsid(string StreamId, string? TrackId);

/// <summary><c>a=ssrc</c> (RFC 5576 §4.1): one source attribute, e.g. <c>cname:abc</c> or <c>msid:s t</c>.</summary>
public sealed record SdpSsrc(uint Ssrc, string Attribute, string? Value);

/// <summary><c>a=ssrc-group</c> (RFC 5576 §4.2): semantics ("FID" for RTX, "SIM", "FEC-FR") and the sources.</summary>
public sealed record SdpSsrcGroup(string Semantics, IReadOnlyList<uint> Ssrcs);

/// <summary>RID direction (RFC 8851 §10).</summary>
public enum SdpRidDirection : byte
{
    Send = 0,
    Recv = 1,
}

/// <summary>
/// <c>a=rid</c> (RFC 8851 §10): id, direction, and restrictions kept raw
/// (<c>pt=96,97;max-width=1280;max-height=720</c>), with helpers to read them.
/// </summary>
public sealed record SdpRid(string Id, SdpRidDirection Direction, string? Restrictions)
{
    public IReadOnlyList<SdpParameter> ParseRestrictions() =>
        Restrictions is null ? [] : SdpParameter.ParseList(Restrictions, ';');

    /// <summary>Payload types from <c>pt=</c>, empty when unrestricted.</summary>
    public IReadOnlyList<int> PayloadTypes()
    {
        foreach (SdpParameter restriction in ParseRestrictions())
        {
            if (restriction.Name == "pt" && restriction.Value is not null)
            {
                var result = new List<int>();
                foreach (string pt in restriction.Value.Split(','))
                {
                    if (SdpNumbers.TryParseInt(pt, out int value))
                    {
                        result.Add(value);
                    }
                }
                return result;
            }
        }
        return [];
    }
}

/// <summary>One codec of an m-section, gathered from rtpmap, fmtp and rtcp-fb lines.</summary>
public sealed record SdpCodec(int PayloadType, string Name, int ClockRate, int? Channels, SdpFmtp? Fmtp, IReadOnlyList<SdpRtcpFeedback> Feedback)
{
    /// <summary>For an RTX codec (RFC 4588 §8.6), the payload type it repairs (<c>apt=</c>).</summary>
    public int? AssociatedPayloadType =>
        Fmtp is not null && Fmtp.TryGetParameter("apt", out string? apt) && SdpNumbers.TryParseInt(apt, out int value) ? value : null;

    public bool IsRtx => string.Equals(Name, "rtx", StringComparison.OrdinalIgnoreCase);
}
