namespace DigitalWeRoom.Sfu.Server.Networking;

/// <summary>What kind of address an interface address is, as far as announcing it to browsers goes.</summary>
internal enum AddressClass
{
    /// <summary>Reachable from the internet: IPv6 2000::/3, or IPv4 outside every special range below.</summary>
    Global,
    Unspecified,
    Loopback,
    Multicast,
    /// <summary>fe80::/10 and 169.254.0.0/16 (RFC 4291 §2.5.6, RFC 3927).</summary>
    LinkLocal,
    /// <summary>fc00::/7 (RFC 4193).</summary>
    UniqueLocal,
    /// <summary>Mycelium overlay, 400::/7.</summary>
    Mycelium,
    /// <summary>Yggdrasil overlay, 200::/7.</summary>
    Yggdrasil,
    /// <summary>10/8, 172.16/12, 192.168/16 (RFC 1918).</summary>
    Private,
    /// <summary>100.64.0.0/10, carrier-grade NAT (RFC 6598).</summary>
    SharedAddressSpace,
    /// <summary>192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737) and 2001:db8::/32 (RFC 3849).</summary>
    Documentation,
    /// <summary>Anything else that is not globally routable (0/8, 240/4, 198.18/15, ::/8 other than loopback).</summary>
    Reserved,
}
