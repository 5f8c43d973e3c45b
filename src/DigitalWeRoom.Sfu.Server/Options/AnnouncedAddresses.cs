using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Server.Networking;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Options;

/// <summary>
/// The addresses the server puts into its ICE candidates: the configured ones, else the detected
/// global IPv6 and IPv4 interface addresses (see <see cref="AnnouncedAddressSelector"/>), else (or when bound to loopback) 127.0.0.1 and ::1;
/// then <see cref="UdpSettings.AlsoAnnounce"/> (which, when set, replaces the loopback fallback).
/// </summary>
public sealed class AnnouncedAddresses
{
    public AnnouncedAddresses(IOptions<SfuOptions> options, IConfiguration configuration)
    {
        // Detection follows the Sfu:Networking policy: global unicast only by default, so overlay (Mycelium,
        // Yggdrasil), private and link-local addresses never become ICE candidates.
        var selection = new AddressSelectionOptions();
        configuration.GetSection(AddressSelectionOptions.SectionName).Bind(selection);
        Addresses = Resolve(options.Value.Udp, AnnouncedAddressSelector.GetInterfaceAddresses, selection);
    }

    public IReadOnlyList<IPAddress> Addresses { get; }

    /// <summary>
    /// Configured addresses win; otherwise <see cref="AnnouncedAddressSelector.SelectForBinding"/> decides from the
    /// bind address and the interfaces (read only for a wildcard bind with detection on); loopback is the fallback
    /// so a newcomer's default configuration still works.
    /// </summary>
    internal static IReadOnlyList<IPAddress> Resolve(
        UdpSettings udp, Func<IReadOnlyList<IPAddress>> interfaceAddresses, AddressSelectionOptions selection)
    {
        var also = udp.AlsoAnnounce.Select(IPAddress.Parse).ToArray();
        var main = ResolveMain(udp, interfaceAddresses, selection, fallback: also.Length == 0);
        return also.Length == 0 ? main : main.Concat(also).Distinct().ToArray();
    }

    private static IReadOnlyList<IPAddress> ResolveMain(
        UdpSettings udp, Func<IReadOnlyList<IPAddress>> interfaceAddresses, AddressSelectionOptions selection, bool fallback)
    {
        if (udp.AnnouncedAddresses.Count > 0)
        {
            return udp.AnnouncedAddresses.Select(IPAddress.Parse).ToArray();
        }

        var bind = IPAddress.Parse(udp.BindAddress);
        var wildcard = bind.Equals(IPAddress.Any) || bind.Equals(IPAddress.IPv6Any);
        IReadOnlyList<IPAddress> chosen = wildcard && !udp.AutoDetectAddresses
            ? []
            : AnnouncedAddressSelector.SelectForBinding(bind, wildcard ? interfaceAddresses() : [], selection);
        if (chosen.Count > 0 || !fallback)
        {
            return chosen;
        }

        return bind.Equals(IPAddress.Any) ? [IPAddress.Loopback] : [IPAddress.Loopback, IPAddress.IPv6Loopback];
    }
}
