using System.Net;

namespace DigitalWeRoom.Sfu.Server.Networking;

/// <summary>The start-up check of the addresses the media port announces (issue #14 item 6).</summary>
internal static class MediaAddressAdvice
{
    /// <summary>
    /// A warning when no announced address is one a browser elsewhere can reach (only loopback, private, link-local,
    /// CGNAT, unique-local, documentation or overlay addresses); null when one is global (or there are none at all).
    /// </summary>
    public static string? Warning(IEnumerable<IPAddress> announced)
    {
        var addresses = announced.Distinct().ToArray();
        if (addresses.Length == 0 || addresses.Any(a => AnnouncedAddressSelector.Classify(a) == AddressClass.Global))
        {
            return null;
        }

        return $"the media port announces only {string.Join(", ", addresses.Select(a => $"{a} ({AnnouncedAddressSelector.Classify(a)})"))}: " +
            "browsers outside this host's networks cannot reach the server path. Behind a 1:1 NAT set Sfu:Udp:StunServers " +
            "(or Sfu:Udp:AnnouncedAddresses to the public address); a test or a single-machine demo can ignore this.";
    }
}
