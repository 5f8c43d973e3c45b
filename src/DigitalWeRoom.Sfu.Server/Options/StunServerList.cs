using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DigitalWeRoom.Sfu.Server.Options;

/// <summary><c>Sfu:Udp:StunServers</c> entries (<c>host:port</c>, <c>[IPv6]:port</c>) to endpoints, names resolved once.</summary>
internal static class StunServerList
{
    /// <summary>The host and port of one entry, or null when it is not <c>host:port</c> with a port 1-65535.</summary>
    public static (string Host, int Port)? Split(string entry)
    {
        int colon = entry.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(entry.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            return null;
        }

        string host = entry[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        else if (host.Contains(':', StringComparison.Ordinal))
        {
            return null;
        }

        return host.Length > 0 && !host.Any(char.IsWhiteSpace) ? (host, port) : null;
    }

    /// <summary>Every address of every entry; a name that does not resolve is skipped (its probe just finds nothing).</summary>
    public static IReadOnlyList<IPEndPoint> Resolve(IEnumerable<string> entries)
    {
        var endpoints = new List<IPEndPoint>();
        foreach (var (host, port) in entries.Select(Split).OfType<(string, int)>())
        {
            if (IPAddress.TryParse(host, out IPAddress? literal))
            {
                endpoints.Add(new IPEndPoint(literal, port));
                continue;
            }

            try
            {
                endpoints.AddRange(Dns.GetHostAddresses(host).Select(a => new IPEndPoint(a, port)));
            }
            catch (SocketException)
            {
                // Unresolvable now: logged as unanswered by the media host's start-up check.
            }
        }

        return endpoints;
    }
}
