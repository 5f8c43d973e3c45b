using System.Net;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Networking;

/// <summary>
/// Which browser pages may talk to this server (the signaling WebSocket, state-changing API calls), and which host names a
/// local caller may use (RFC 6454 origins; RFC 6455 §10.2 asks a WebSocket server to check <c>Origin</c>).
/// <list type="bullet">
/// <item>No <c>Origin</c> header: not a browser page (browsers always send one on a WebSocket handshake and on a
/// cross-origin POST/DELETE): allowed, so the load generator, curl and server-to-server callers work.</item>
/// <item>The request's own origin (<c>scheme://host[:port]</c>, as the trusted proxy reports it: the public URL).</item>
/// <item>Each origin in <c>Sfu:Http:AllowedOrigins</c>.</item>
/// <item>A <c>localhost</c>/loopback origin when the request itself comes from loopback (running locally).</item>
/// <item>Everything else, including <c>Origin: null</c>, is refused.</item>
/// </list>
/// A caller on loopback must also name this machine in <c>Host</c> (localhost, a loopback address, or the host of an allowed
/// origin): a DNS-rebinding page reaches 127.0.0.1 under its own name and is refused.
/// </summary>
internal sealed class OriginPolicy
{
    private readonly HashSet<string> _allowedOrigins;
    private readonly HashSet<string> _allowedHosts;

    public OriginPolicy(IOptions<SfuOptions> options)
    {
        _allowedOrigins = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        _allowedHosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (string entry in options.Value.Http.AllowedOrigins)
        {
            if (TryNormalize(entry, out string origin, out string host))
            {
                _allowedOrigins.Add(origin);
                _allowedHosts.Add(host);
            }
        }
    }

    /// <summary>An origin entry is <c>http(s)://host[:port]</c> with nothing after it.</summary>
    public static bool IsValidEntry(string entry) =>
        Uri.TryCreate(entry, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https"
        && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment) && string.IsNullOrEmpty(uri.UserInfo)
        && !entry.TrimEnd('/').EndsWith('?');

    /// <summary>The DNS-rebinding check alone: a loopback caller names this machine in <c>Host</c>.</summary>
    public bool IsAllowedHost(HttpContext context, out string why)
    {
        string host = context.Request.Host.Host;
        if (IsLocal(context) && !IsLoopbackName(host) && !_allowedHosts.Contains(host))
        {
            why = $"Host '{host}' is not a name of this machine (add its origin to Sfu:Http:AllowedOrigins)";
            return false;
        }

        why = "";
        return true;
    }

    /// <summary>Both checks: <see cref="IsAllowedHost"/> and the <c>Origin</c> rule.</summary>
    public bool IsAllowed(HttpContext context, out string why)
    {
        if (!IsAllowedHost(context, out why))
        {
            return false;
        }

        bool local = IsLocal(context);
        string origin = context.Request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            why = "";
            return true;
        }

        if (!TryNormalize(origin, out string normalized, out string originHost))
        {
            why = $"Origin '{origin}' is not allowed";
            return false;
        }

        string own = $"{context.Request.Scheme}://{context.Request.Host.Value}";
        if ((TryNormalize(own, out string ownNormalized, out _) && ownNormalized == normalized)
            || _allowedOrigins.Contains(normalized)
            || (local && IsLoopbackName(originHost)))
        {
            why = "";
            return true;
        }

        why = $"Origin '{origin}' is not allowed (Sfu:Http:AllowedOrigins)";
        return false;
    }

    private static bool IsLocal(HttpContext context) =>
        context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);

    private static bool TryNormalize(string text, out string origin, out string host)
    {
        origin = host = "";
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
        {
            return false;
        }

        host = uri.IdnHost.Trim('[', ']');
        origin = $"{uri.Scheme}://{uri.IdnHost}:{uri.Port}".ToLowerInvariant();
        return true;
    }

    private static bool IsLoopbackName(string host)
    {
        host = host.Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out IPAddress? ip) && IPAddress.IsLoopback(ip));
    }
}
