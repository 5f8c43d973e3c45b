namespace DigitalWeRoom.Sfu.Server.Proxy;

/// <summary>
/// The reverse proxies whose <c>X-Forwarded-*</c> headers are believed, bound from the <c>Proxy</c> section,
/// for example <c>Proxy__TrustedProxies__0=2a02:1802:5e::/64</c> for the grid gateway's network.
/// </summary>
internal sealed class TrustedProxyOptions
{
    public const string SectionName = "Proxy";

    /// <summary>Addresses (<c>192.0.2.10</c>) or CIDR networks (<c>2001:db8::/48</c>) of trusted proxies.</summary>
    public IList<string> TrustedProxies { get; } = new List<string>();

    /// <summary>How many proxy hops to unwind; the grid has one (the gateway).</summary>
    public int ForwardLimit { get; set; } = 1;
}
