using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace DigitalWeRoom.Sfu.Server.Networking;

/// <summary>Parses CIDR prefixes from configuration, accepting a bare address as a host prefix.</summary>
internal static class IPPrefix
{
    public static bool TryParse(string? text, [NotNullWhen(true)] out IPNetwork? network)
    {
        network = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        if (trimmed.Contains('/', StringComparison.Ordinal))
        {
            if (IPNetwork.TryParse(trimmed, out var parsed))
            {
                network = parsed;
                return true;
            }

            return false;
        }

        if (IPAddress.TryParse(trimmed, out var address))
        {
            address = Normalize(address);
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    /// <summary>IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are treated as the IPv4 address they carry.</summary>
    public static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
