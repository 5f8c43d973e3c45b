namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>
/// Node ids and regions travel into Redis keys, metric labels and logs: only letters, digits, '.', '_' and '-',
/// 1-64 characters, starting with a letter or digit.
/// </summary>
internal static class NodeIds
{
    public const int MaxLength = 64;

    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength || !char.IsAsciiLetterOrDigit(id[0]))
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An absolute http(s) base URL with a host and nothing a redirect could smuggle (user info, query, fragment).</summary>
    public static bool IsValidBaseUrl(string? url, out Uri? uri)
    {
        uri = null;
        if (string.IsNullOrWhiteSpace(url) || url.Length > 512 || !Uri.TryCreate(url, UriKind.Absolute, out var parsed))
        {
            return false;
        }

        if (parsed.Scheme is not ("http" or "https") || string.IsNullOrEmpty(parsed.Host) || parsed.UserInfo.Length > 0
            || parsed.Query.Length > 0 || parsed.Fragment.Length > 0)
        {
            return false;
        }

        uri = parsed;
        return true;
    }

    /// <summary>The signaling WebSocket of a node's base URL: http→ws, https→wss, path <c>/ws</c>.</summary>
    public static string SignalingSocketUrl(Uri baseUrl)
    {
        var builder = new UriBuilder(baseUrl) { Scheme = baseUrl.Scheme == "https" ? "wss" : "ws" };
        builder.Path = builder.Path.TrimEnd('/') + Signaling.SignalingEndpoint.Path;
        if (builder.Uri.IsDefaultPort)
        {
            builder.Port = -1;
        }

        return builder.Uri.ToString();
    }
}
