using DigitalWeRoom.Sfu.Interop.Tests.Browser;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting.Nat;

/// <summary>
/// A cloud VM behind a 1:1 NAT, on namespaces: the test namespace is the VM with only a private address
/// (<see cref="Private"/>), <see cref="Router"/> maps <see cref="Public"/> to it both ways (nft dnat/snat, every port),
/// and <see cref="Internet"/> holds the STUN server and the browser (<see cref="InternetHost"/>). The router forwards
/// nothing to the private network that it did not translate, so the browser reaches the VM only at its public address.
/// </summary>
internal sealed class OneToOneNatTopology : IDisposable
{
    public const string Private = "10.30.0.2";
    public const string Public = "203.0.113.10";
    public const string InternetHost = "203.0.113.20";

    private readonly string _serverLink;

    private OneToOneNatTopology(string tag)
    {
        Router = $"v6-nat{tag}";
        Internet = $"v6-pub{tag}";
        _serverLink = $"v6n{tag}";
    }

    public string Router { get; }

    public string Internet { get; }

    public static OneToOneNatTopology Create()
    {
        var links = Run("ip", "-o link show").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (!links.All(l => l.Contains(": lo:", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("the topology is made only from a loopback-only namespace: " + string.Join(" | ", links));
        }

        var topology = new OneToOneNatTopology((Environment.ProcessId % 1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            topology.Build();
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    private void Build()
    {
        string r = Router, p = Internet, s = _serverLink;
        Run("ip", $"netns add {r}");
        Run("ip", $"netns add {p}");
        Run("ip", $"-n {r} link set lo up");
        Run("ip", $"-n {p} link set lo up");

        Run("ip", $"link add {s} type veth peer name {s}r");
        Run("ip", $"link set {s}r netns {r}");
        Run("ip", $"addr add {Private}/24 dev {s}");
        Run("ip", $"link set {s} up");
        Run("ip", "route add default via 10.30.0.1");
        Run("ip", $"-n {r} addr add 10.30.0.1/24 dev {s}r");
        Run("ip", $"-n {r} link set {s}r up");

        Run("ip", $"-n {r} link add {s}p type veth peer name {s}i");
        Run("ip", $"-n {r} link set {s}i netns {p}");
        Run("ip", $"-n {r} addr add 203.0.113.1/24 dev {s}p");
        Run("ip", $"-n {r} addr add {Public}/24 dev {s}p");
        Run("ip", $"-n {r} link set {s}p up");
        Run("ip", $"-n {p} addr add {InternetHost}/24 dev {s}i");
        Run("ip", $"-n {p} link set {s}i up");
        Run("ip", $"-n {p} route add default via 203.0.113.1");

        Run("ip", $"netns exec {r} sysctl -qw net.ipv4.ip_forward=1");
        Run("ip", $"netns exec {r} nft -f -", $$"""
            table ip v6nat {
              chain pre {
                type nat hook prerouting priority dstnat;
                ip daddr {{Public}} counter dnat to {{Private}}
              }
              chain post {
                type nat hook postrouting priority srcnat;
                ip saddr {{Private}} counter snat to {{Public}}
              }
              chain toprivate {
                type filter hook forward priority 0;
                ip daddr 10.30.0.0/24 ct state established,related accept
                ip daddr 10.30.0.0/24 ct status dnat accept
                ip daddr 10.30.0.0/24 counter drop
              }
            }
            """);
    }

    /// <summary>Packets the router translated towards the VM (its dnat rule's counter).</summary>
    public long Translated() => ClientNamespace.CounterPackets(Run("ip", $"netns exec {Router} nft list table ip v6nat"), "pre");

    public string WriteWrapper(string executable) => ClientNamespace.WriteWrapper(Internet, executable, null);

    public void Dispose()
    {
        foreach (var (file, arguments) in new[] { ("ip", $"netns del {Router}"), ("ip", $"netns del {Internet}"), ("ip", $"link del {_serverLink}") })
        {
            try
            {
                Run(file, arguments);
            }
            catch (InvalidOperationException)
            {
                // Already gone (the server link goes with the router namespace).
            }
        }

        File.Delete(Path.Combine(Path.GetTempPath(), $"chromium-in-{Internet}.sh"));
    }

    private static string Run(string file, string arguments, string? input = null) => ClientNamespace.Run(file, arguments, input);
}
