namespace DigitalWeRoom.Sfu.Server.Networking;

/// <summary>
/// Which local addresses the server announces as ICE host candidates. Bound from the
/// <c>Sfu:Networking</c> configuration section (for example <c>Sfu__Networking__AllowedPrefixes__0=10.0.0.0/8</c>).
/// </summary>
internal sealed class AddressSelectionOptions
{
    public const string SectionName = "Sfu:Networking";

    /// <summary>
    /// When empty (the default) only global unicast addresses are announced. When set, exactly the addresses
    /// inside these CIDR prefixes are announced instead (for example <c>10.0.0.0/8</c> on a LAN), which is how
    /// an operator opts into private or overlay ranges.
    /// </summary>
    public IList<string> AllowedPrefixes { get; } = new List<string>();

    /// <summary>Addresses announced verbatim in addition to the detected ones (for example a 1:1 NAT public IPv4).</summary>
    public IList<string> ExtraAddresses { get; } = new List<string>();

    public bool IncludeIPv4 { get; set; } = true;

    public bool IncludeIPv6 { get; set; } = true;

    /// <summary>
    /// Loopback addresses are announced only when this is set; the host sets it when the server is bound to
    /// loopback (tests, a single-machine demo), because then no other address can be reached anyway.
    /// </summary>
    public bool AllowLoopback { get; set; }
}
