using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>
/// Connected server connections by the kind of their ICE-selected pair (issue #14 item 4), read at scrape time:
/// <c>tcp</c> for ICE-TCP (RFC 6544), <c>relay</c> when the pair's remote address is an address of a TURN server this
/// server hands out (a relayed client reaches us from its relayed transport address, which is on the TURN server,
/// RFC 8656 §2) or one of this server's own <c>Sfu:Udp:AlsoAnnounce</c> addresses (a TURN server on this host relaying
/// from its private address, as on the grid VM where the TURN URL names the gateway; no browser sits on this host),
/// else <c>udp</c>. Another TURN server that relays from another address than its URL's (coturn
/// <c>relay-ip</c>/<c>external-ip</c> elsewhere) is counted as <c>udp</c>.
/// </summary>
public sealed class SelectedPathCounter
{
    public static readonly string[] Kinds = ["udp", "tcp", "relay"];

    private readonly SfuMediaHost? _host;
    private volatile IPAddress[] _turnAddresses;

    internal SelectedPathCounter(SfuMediaHost? host, IOptions<SfuOptions> options)
    {
        _host = host;
        string[] hosts = [.. TurnHosts(options.Value).Distinct(StringComparer.OrdinalIgnoreCase)];
        _turnAddresses = [.. hosts.Concat(options.Value.Udp.AlsoAnnounce)
            .Select(h => IPAddress.TryParse(h, out IPAddress? a) ? Normalize(a) : null).OfType<IPAddress>()];
        string[] names = [.. hosts.Where(h => !IPAddress.TryParse(h, out _))];
        if (names.Length > 0)
        {
            _ = ResolveAsync(names);
        }
    }

    /// <summary>The host of every turn:/turns: URL (RFC 7065 §3.1) of <c>Sfu:Turn</c> and <c>Sfu:IceServers</c>.</summary>
    internal static IEnumerable<string> TurnHosts(SfuOptions options) =>
        options.Turn.Urls.Concat(options.IceServers.SelectMany(s => s.Urls)).Select(HostOf).OfType<string>();

    /// <summary><c>turn:host[:port][?transport=...]</c> → host (IPv6 literals without their brackets); null if not TURN.</summary>
    internal static string? HostOf(string url)
    {
        string rest;
        if (url.StartsWith("turn:", StringComparison.OrdinalIgnoreCase))
        {
            rest = url[5..];
        }
        else if (url.StartsWith("turns:", StringComparison.OrdinalIgnoreCase))
        {
            rest = url[6..];
        }
        else
        {
            return null;
        }
        int query = rest.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            rest = rest[..query];
        }
        if (rest.StartsWith('['))
        {
            int close = rest.IndexOf(']', StringComparison.Ordinal);
            return close > 1 ? rest[1..close] : null;
        }
        int colon = rest.IndexOf(':', StringComparison.Ordinal);
        string host = colon >= 0 ? rest[..colon] : rest;
        return host.Length > 0 ? host : null;
    }

    /// <summary>Whether <paramref name="address"/> is one of the TURN servers' addresses known so far.</summary>
    internal bool IsTurnAddress(IPAddress address) => Array.IndexOf(_turnAddresses, Normalize(address)) >= 0;

    /// <summary>Counts by <see cref="Kinds"/>: udp, tcp, relay.</summary>
    public long[] Count()
    {
        var counts = new long[Kinds.Length];
        if (_host?.BoundDirectory is not { } directory)
        {
            return counts;
        }
        foreach (var transport in directory.Transports)
        {
            if (transport.State != Transport.WebRtcTransportState.Connected || transport.SelectedTuple is not { } tuple)
            {
                continue;
            }
            counts[tuple.IsTcp ? 1 : IsTurnAddress(tuple.ToIPEndPoint().Address) ? 2 : 0]++;
        }
        return counts;
    }

    private async Task ResolveAsync(string[] names)
    {
        foreach (string name in names)
        {
            try
            {
                IPAddress[] found = await Dns.GetHostAddressesAsync(name);
                _turnAddresses = [.. _turnAddresses, .. found.Select(Normalize)];
            }
            catch (SocketException)
            {
                // Unresolvable now: its relayed connections are counted as udp.
            }
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
