using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace DigitalWeRoom.Sfu.Server.Networking;

/// <summary>
/// Chooses the local addresses announced as ICE host candidates (RFC 8445 §5.1.1.1: host candidates come from
/// the interfaces; which ones to offer is a local policy). By default only global unicast addresses: on the
/// ThreeFold Grid a VM also has overlay addresses (Mycelium 400::/7, Yggdrasil 200::/7, the private WireGuard
/// range) that browsers cannot reach, and offering them only slows ICE down.
/// </summary>
internal static class AnnouncedAddressSelector
{
    private static readonly (IPNetwork Network, AddressClass Class)[] V6Ranges =
    [
        (IPNetwork.Parse("fe80::/10"), AddressClass.LinkLocal),
        (IPNetwork.Parse("fc00::/7"), AddressClass.UniqueLocal),
        (IPNetwork.Parse("400::/7"), AddressClass.Mycelium),
        (IPNetwork.Parse("200::/7"), AddressClass.Yggdrasil),
        (IPNetwork.Parse("2001:db8::/32"), AddressClass.Documentation),
        (IPNetwork.Parse("ff00::/8"), AddressClass.Multicast),
        (IPNetwork.Parse("2000::/3"), AddressClass.Global),
    ];

    private static readonly (IPNetwork Network, AddressClass Class)[] V4Ranges =
    [
        (IPNetwork.Parse("0.0.0.0/8"), AddressClass.Reserved),
        (IPNetwork.Parse("127.0.0.0/8"), AddressClass.Loopback),
        (IPNetwork.Parse("10.0.0.0/8"), AddressClass.Private),
        (IPNetwork.Parse("172.16.0.0/12"), AddressClass.Private),
        (IPNetwork.Parse("192.168.0.0/16"), AddressClass.Private),
        (IPNetwork.Parse("100.64.0.0/10"), AddressClass.SharedAddressSpace),
        (IPNetwork.Parse("169.254.0.0/16"), AddressClass.LinkLocal),
        (IPNetwork.Parse("192.0.0.0/24"), AddressClass.Reserved),
        (IPNetwork.Parse("192.0.2.0/24"), AddressClass.Documentation),
        (IPNetwork.Parse("198.51.100.0/24"), AddressClass.Documentation),
        (IPNetwork.Parse("203.0.113.0/24"), AddressClass.Documentation),
        (IPNetwork.Parse("198.18.0.0/15"), AddressClass.Reserved),
        (IPNetwork.Parse("224.0.0.0/4"), AddressClass.Multicast),
        (IPNetwork.Parse("240.0.0.0/4"), AddressClass.Reserved),
    ];

    public static AddressClass Classify(IPAddress address)
    {
        address = IPPrefix.Normalize(address);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            foreach (var (network, cls) in V4Ranges)
            {
                if (network.Contains(address))
                {
                    return cls;
                }
            }

            return AddressClass.Global;
        }

        if (address.Equals(IPAddress.IPv6Any))
        {
            return AddressClass.Unspecified;
        }

        if (address.Equals(IPAddress.IPv6Loopback))
        {
            return AddressClass.Loopback;
        }

        foreach (var (network, cls) in V6Ranges)
        {
            if (network.Contains(address))
            {
                return cls;
            }
        }

        return AddressClass.Reserved;
    }

    /// <summary>
    /// Filters <paramref name="interfaceAddresses"/> by <paramref name="options"/>: global unicast by default, or
    /// exactly the configured prefixes; loopback only with <see cref="AddressSelectionOptions.AllowLoopback"/>.
    /// The result is de-duplicated, IPv6 first (the grid's media path), then IPv4, each in input order, followed
    /// by <see cref="AddressSelectionOptions.ExtraAddresses"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">A configured prefix or extra address does not parse.</exception>
    public static IReadOnlyList<IPAddress> Select(IEnumerable<IPAddress> interfaceAddresses, AddressSelectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(interfaceAddresses);
        ArgumentNullException.ThrowIfNull(options);

        var allowed = new List<IPNetwork>(options.AllowedPrefixes.Count);
        foreach (var text in options.AllowedPrefixes)
        {
            if (!IPPrefix.TryParse(text, out var network))
            {
                throw new InvalidOperationException(
                    $"{AddressSelectionOptions.SectionName}:AllowedPrefixes: '{text}' is not an address or CIDR prefix.");
            }

            allowed.Add(network.Value);
        }

        var v6 = new List<IPAddress>();
        var v4 = new List<IPAddress>();
        foreach (var raw in interfaceAddresses)
        {
            var address = IPPrefix.Normalize(raw);
            // Scoped addresses (fe80::1%eth0) cannot be written into an SDP candidate.
            address = StripScope(address);

            if (!IsFamilyEnabled(address, options) || !IsAnnounced(address, allowed, options.AllowLoopback))
            {
                continue;
            }

            var list = address.AddressFamily == AddressFamily.InterNetworkV6 ? v6 : v4;
            if (!list.Contains(address))
            {
                list.Add(address);
            }
        }

        var result = new List<IPAddress>(v6.Count + v4.Count);
        result.AddRange(v6);
        result.AddRange(v4);
        foreach (var text in options.ExtraAddresses)
        {
            if (!IPAddress.TryParse(text.Trim(), out var extra))
            {
                throw new InvalidOperationException(
                    $"{AddressSelectionOptions.SectionName}:ExtraAddresses: '{text}' is not an IP address.");
            }

            extra = IPPrefix.Normalize(extra);
            if (!result.Contains(extra))
            {
                result.Add(extra);
            }
        }

        return result;
    }

    /// <summary>
    /// The addresses to announce for a media socket bound to <paramref name="bindAddress"/>. A socket bound to a
    /// wildcard (0.0.0.0 or ::) receives on every interface, so the policy of <see cref="Select"/> applies. A
    /// socket bound to one address can only be reached there, so that address alone is announced, whatever its
    /// class: binding to loopback (tests, a single-machine demo) or to a private address is the operator's choice.
    /// </summary>
    public static IReadOnlyList<IPAddress> SelectForBinding(
        IPAddress bindAddress, IEnumerable<IPAddress> interfaceAddresses, AddressSelectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(bindAddress);
        var bound = IPPrefix.Normalize(bindAddress);
        if (bound.Equals(IPAddress.Any) || bound.Equals(IPAddress.IPv6Any))
        {
            var selected = Select(interfaceAddresses, options);
            // A socket bound to 0.0.0.0 is IPv4-only; one bound to :: is dual-stack.
            return bound.Equals(IPAddress.Any)
                ? [.. selected.Where(a => a.AddressFamily == AddressFamily.InterNetwork)]
                : selected;
        }

        return [StripScope(bound)];
    }

    /// <summary>
    /// The public IPv6 address of this host, from its interface addresses: the first global unicast IPv6
    /// address, or null. A grid VM learns its address only here: Terraform knows it after apply, the VM does not.
    /// </summary>
    public static IPAddress? DetectPublicIPv6(IEnumerable<IPAddress> interfaceAddresses)
    {
        ArgumentNullException.ThrowIfNull(interfaceAddresses);
        foreach (var address in interfaceAddresses)
        {
            if (address.AddressFamily == AddressFamily.InterNetworkV6 && Classify(address) == AddressClass.Global)
            {
                return StripScope(address);
            }
        }

        return null;
    }

    /// <summary>The unicast addresses of the interfaces that are up, in the order the OS lists them.</summary>
    public static IReadOnlyList<IPAddress> GetInterfaceAddresses()
    {
        var addresses = new List<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus is not (OperationalStatus.Up or OperationalStatus.Unknown))
            {
                continue;
            }

            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                addresses.Add(unicast.Address);
            }
        }

        return addresses;
    }

    private static bool IsFamilyEnabled(IPAddress address, AddressSelectionOptions options) =>
        address.AddressFamily switch
        {
            AddressFamily.InterNetwork => options.IncludeIPv4,
            AddressFamily.InterNetworkV6 => options.IncludeIPv6,
            _ => false,
        };

    private static bool IsAnnounced(IPAddress address, List<IPNetwork> allowed, bool allowLoopback)
    {
        var cls = Classify(address);
        if (cls is AddressClass.Unspecified or AddressClass.Multicast)
        {
            return false;
        }

        if (cls == AddressClass.Loopback)
        {
            return allowLoopback;
        }

        if (allowed.Count == 0)
        {
            return cls == AddressClass.Global;
        }

        foreach (var network in allowed)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static IPAddress StripScope(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0
            ? new IPAddress(address.GetAddressBytes())
            : address;
}
