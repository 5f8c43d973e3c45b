namespace DigitalWeRoom.Sfu.Server.Endpoints;

/// <summary>
/// Who may show the meeting page in a frame: the CSP <c>frame-ancestors</c> directive (CSP Level 2 §7.7.3) built from
/// <c>Sfu:Embed:AllowedOrigins</c>; <c>'none'</c> when the list is empty (the default).
/// </summary>
public static class EmbedPolicy
{
    /// <summary>True for a bare http(s) origin: scheme, host and optional port, nothing else.</summary>
    public static bool IsOrigin(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out Uri? uri)
        && uri.Scheme is "https" or "http"
        && string.Equals(uri.GetLeftPart(UriPartial.Authority), value.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
        && !value.Contains('*', StringComparison.Ordinal)
        && string.IsNullOrEmpty(uri.UserInfo);

    /// <summary>The <c>frame-ancestors</c> source list.</summary>
    public static string FrameAncestors(IReadOnlyCollection<string> origins) =>
        origins.Count == 0 ? "'none'" : string.Join(' ', origins.Select(o => o.TrimEnd('/')));
}
