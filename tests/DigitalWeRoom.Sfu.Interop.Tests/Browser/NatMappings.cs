using System.Text.RegularExpressions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Browser;

/// <summary>
/// The UDP mappings a router namespace's NAT holds, read from its connection tracking table (<c>conntrack -L</c>,
/// Debian's conntrack; test.sh installs it): for each inside endpoint, the outside ports it was given. A symmetric NAT
/// (RFC 4787 §4.1 "address and port-dependent mapping") gives one inside endpoint a different outside port per
/// destination; an endpoint-independent NAT gives it one port.
/// </summary>
internal static partial class NatMappings
{
    /// <summary>Inside <c>address:port</c> → the distinct outside ports it was mapped to, for every tracked UDP flow.</summary>
    public static IReadOnlyDictionary<string, HashSet<int>> Read(ClientNamespace router)
    {
        var listing = ClientNamespace.Run("ip", $"netns exec {router.Name} conntrack -L -p udp");
        var mappings = new Dictionary<string, HashSet<int>>();
        foreach (Match m in Flow().Matches(listing))
        {
            // Original direction: inside src:sport → dst:dport; reply direction: dst:dport → router:mapped port.
            var inside = $"{m.Groups["src"].Value}:{m.Groups["sport"].Value}";
            if (!mappings.TryGetValue(inside, out var ports))
            {
                mappings[inside] = ports = [];
            }

            ports.Add(int.Parse(m.Groups["mapped"].Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        return mappings;
    }

    [GeneratedRegex(@"src=(?<src>\S+) dst=\S+ sport=(?<sport>\d+) dport=\d+ (?:\[UNREPLIED\] )?src=\S+ dst=\S+ sport=\d+ dport=(?<mapped>\d+)")]
    private static partial Regex Flow();
}
