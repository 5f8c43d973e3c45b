namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// The video codecs the server knows how to offer, by name (RFC 8866 §6.6 encoding names, compared
/// case-insensitively). A room forwards one of them to everybody; see docs/negotiation.md.
/// </summary>
public static class VideoCodecCatalog
{
    /// <summary>The names, in the order the server documents them.</summary>
    public static IReadOnlyList<string> Names { get; } = ["VP8", "VP9", "H264", "AV1"];

    /// <summary>The default preference order (VP8 first: every WebRTC browser decodes it, RFC 7742 §5; AV1 last: the costliest to encode).</summary>
    public static IReadOnlyList<string> DefaultPreference { get; } = ["VP8", "VP9", "H264", "AV1"];

    /// <summary>The canonical name (e.g. <c>vp9</c> → <c>VP9</c>), or null for a codec the server cannot offer.</summary>
    public static string? Canonical(string? name) =>
        name is null ? null : Names.FirstOrDefault(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The offered codec (payload types fixed by the server) for a known name, else null.</summary>
    internal static CodecSpec? Find(string name) => Canonical(name) switch
    {
        "VP8" => CodecSpec.Vp8,
        "VP9" => CodecSpec.Vp9,
        "H264" => CodecSpec.H264,
        "AV1" => CodecSpec.Av1,
        _ => null,
    };

    /// <summary>
    /// The room's codec: the first of <paramref name="preference"/> that the client supports. A client that sent no
    /// list (<paramref name="supported"/> null, an older page) is taken to support every configured codec.
    /// Returns null when none matches.
    /// </summary>
    public static string? Choose(IReadOnlyList<string> preference, IReadOnlyList<string>? supported) =>
        preference.Select(Canonical).FirstOrDefault(p => p is not null && Supports(supported, p));

    /// <summary>Whether a client's list (null = not told, assumed yes) contains the codec.</summary>
    public static bool Supports(IReadOnlyList<string>? supported, string codec) =>
        supported is null || supported.Any(s => string.Equals(s, codec, StringComparison.OrdinalIgnoreCase));

    /// <summary>Null when a configured preference list is usable, else what is wrong.</summary>
    public static string? Validate(IReadOnlyList<string>? preference)
    {
        if (preference is null || preference.Count == 0)
        {
            return "VideoCodecs must name at least one codec";
        }

        if (preference.FirstOrDefault(p => Canonical(p) is null) is { } unknown)
        {
            return $"VideoCodecs entry '{unknown}' is not one of {string.Join(", ", Names)}";
        }

        return preference.Select(Canonical).Distinct().Count() != preference.Count ? "VideoCodecs names a codec twice" : null;
    }
}
