using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Options;

/// <summary>
/// The addresses the server puts into its ICE candidates: the configured ones, else the detected
/// global IPv6 and IPv4 interface addresses, else (or when bound to loopback) 127.0.0.1 and ::1.
/// </summary>
public sealed class AnnouncedAddresses
{
    public AnnouncedAddresses(IOptions<SfuOptions> options)
    {
        var udp = options.Value.Udp;
        Addresses = Resolve(udp, () => Detect());
    }

    public IReadOnlyList<IPAddress> Addresses { get; }

    internal static IReadOnlyList<IPAddress> Resolve(UdpSettings udp, Func<IReadOnlyList<IPAddress>> detect)
    {
        if (udp.AnnouncedAddresses.Count > 0)
        {
            return udp.AnnouncedAddresses.Select(IPAddress.Parse).ToArray();
        }

        var bind = IPAddress.Parse(udp.BindAddress);
        if (IPAddress.IsLoopback(bind))
        {
            return [bind];
        }

        if (!bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any))
        {
            return [bind];
        }

        var detected = udp.AutoDetectAddresses ? detect() : [];
        if (bind.Equals(IPAddress.Any))
        {
            detected = detected.Where(a => a.AddressFamily == AddressFamily.InterNetwork).ToArray();
        }

        return detected.Count > 0 ? detected : bind.Equals(IPAddress.Any) ? [IPAddress.Loopback] : [IPAddress.Loopback, IPAddress.IPv6Loopback];
    }

    /// <summary>Global-scope unicast addresses of interfaces that are up: IPv6 first, then IPv4.</summary>
    internal static IReadOnlyList<IPAddress> Detect()
    {
        var v6 = new List<IPAddress>();
        var v4 = new List<IPAddress>();
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            {
                continue;
            }

            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                var a = unicast.Address;
                if (IPAddress.IsLoopback(a))
                {
                    continue;
                }

                if (a.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    // Skip link-local (fe80::/10), site-local, multicast and unique-local (fc00::/7) addresses.
                    if (!a.IsIPv6LinkLocal && !a.IsIPv6SiteLocal && !a.IsIPv6Multicast && !a.IsIPv6UniqueLocal && !a.IsIPv4MappedToIPv6)
                    {
                        v6.Add(a);
                    }
                }
                else if (a.AddressFamily == AddressFamily.InterNetwork)
                {
                    var b = a.GetAddressBytes();
                    if (b[0] != 169 || b[1] != 254)
                    {
                        v4.Add(a);
                    }
                }
            }
        }

        return [.. v6, .. v4];
    }
}
