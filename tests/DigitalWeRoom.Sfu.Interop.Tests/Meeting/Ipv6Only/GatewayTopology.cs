using System.Net;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting.Ipv6Only;

/// <summary>
/// The grid deployment of deploy/tfgrid/README.md ("IPv4 participants") on network namespaces:
/// <list type="bullet">
/// <item>the test namespace is the <b>VM</b>: a public IPv6 address (<see cref="ServerIPv6"/>) and the private
/// grid-network IPv4 (<see cref="ServerPrivate"/>, the WireGuard leg to the gateway), no public IPv4;</item>
/// <item><see cref="Gateway"/>: the dual-stack grid gateway, on the private network with the VM, routing IPv6 between
/// the dual-stack client and the VM and not forwarding IPv4 at all (the VM has no IPv4 anyone can reach);</item>
/// <item><see cref="Ipv4Client"/>: an IPv4-only network (IPv6 disabled), default route to the gateway;</item>
/// <item><see cref="DualClient"/>: a dual-stack network, both default routes to the gateway.</item>
/// </list>
/// Each client namespace resolves <see cref="PageName"/> and <see cref="TurnName"/> to the gateway through its own
/// hosts file (<c>/etc/netns/NS/hosts</c>, which <c>ip netns exec</c> mounts over /etc/hosts), so browsers use real
/// names and check certificates for them. Needs root and iproute2; refuses a namespace with links other than lo.
/// </summary>
internal sealed class GatewayTopology : IDisposable
{
    public const string PageName = "web.v6.test";
    public const string TurnName = "turn-web.v6.test";

    public static readonly IPAddress ServerIPv6 = IPAddress.Parse("2001:db8:6::2");
    public static readonly IPAddress ServerPrivate = IPAddress.Parse("10.20.6.2");
    public static readonly IPAddress GatewayPrivate = IPAddress.Parse("10.20.6.1");
    public static readonly IPAddress GatewayIPv4 = IPAddress.Parse("198.51.100.1");
    public static readonly IPAddress GatewayDualIPv4 = IPAddress.Parse("203.0.113.1");
    public static readonly IPAddress GatewayDualIPv6 = IPAddress.Parse("2001:db8:b::1");

    private readonly string _serverLink;
    private readonly List<string> _namespaces = [];
    private readonly List<string> _files = [];

    private GatewayTopology(string tag)
    {
        Gateway = $"v6-gw{tag}";
        Ipv4Client = $"v6-a{tag}";
        DualClient = $"v6-b{tag}";
        _serverLink = $"v6s{tag}";
    }

    public string Gateway { get; }

    public string Ipv4Client { get; }

    public string DualClient { get; }

    public static GatewayTopology Create()
    {
        var links = Run("ip", "-o link show").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (!links.All(l => l.Contains(": lo:", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("the topology is made only from a loopback-only namespace (run via test.sh or `ip netns exec`): " + string.Join(" | ", links));
        }

        var topology = new GatewayTopology((Environment.ProcessId % 1000).ToString(System.Globalization.CultureInfo.InvariantCulture));
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
        string g = Gateway, a = Ipv4Client, b = DualClient, s = _serverLink;
        foreach (var ns in new[] { g, a, b })
        {
            Run("ip", $"netns add {ns}");
            _namespaces.Add(ns);
            Run("ip", $"-n {ns} link set lo up");
        }

        // The VM's side: public IPv6 and private IPv4 on its link to the gateway; IPv6 back to the dual-stack network.
        Run("ip", $"link add {s} type veth peer name {s}g");
        Run("ip", $"link set {s}g netns {g}");
        Run("ip", $"addr add {ServerIPv6}/64 dev {s} nodad");
        Run("ip", $"addr add {ServerPrivate}/24 dev {s}");
        Run("ip", $"link set {s} up");
        Run("ip", $"-n {g} addr add 2001:db8:6::1/64 dev {s}g nodad");
        Run("ip", $"-n {g} addr add {GatewayPrivate}/24 dev {s}g");
        Run("ip", $"-n {g} link set {s}g up");
        Run("ip", "-6 route add 2001:db8:b::/64 via 2001:db8:6::1");

        // The IPv4-only network.
        Link(g, $"v6a{s[3..]}", a, $"{GatewayIPv4}/24", "198.51.100.2/24");
        Run("ip", $"-n {a} route add default via {GatewayIPv4}");
        Run("ip", $"netns exec {a} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");

        // The dual-stack network.
        Link(g, $"v6b{s[3..]}", b, $"{GatewayDualIPv4}/24", "203.0.113.2/24");
        Run("ip", $"-n {g} addr add {GatewayDualIPv6}/64 dev v6b{s[3..]} nodad");
        Run("ip", $"-n {b} addr add 2001:db8:b::2/64 dev v6b{s[3..]}c nodad");
        Run("ip", $"-n {b} route add default via {GatewayDualIPv4}");
        Run("ip", $"-n {b} -6 route add default via {GatewayDualIPv6}");

        // The gateway routes IPv6 (dual-stack clients reach the VM's public IPv6) and never IPv4.
        Run("ip", $"netns exec {g} sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=0");

        Hosts(a, GatewayIPv4);
        Hosts(b, GatewayDualIPv6);
    }

    /// <summary>A veth pair from the gateway (<paramref name="link"/>) to <paramref name="client"/> (<c>link + "c"</c>).</summary>
    private static void Link(string gateway, string link, string client, string gatewayAddress, string clientAddress)
    {
        Run("ip", $"link add {link} type veth peer name {link}c");
        Run("ip", $"link set {link} netns {gateway}");
        Run("ip", $"link set {link}c netns {client}");
        Run("ip", $"-n {gateway} addr add {gatewayAddress} dev {link}");
        Run("ip", $"-n {gateway} link set {link} up");
        Run("ip", $"-n {client} addr add {clientAddress} dev {link}c");
        Run("ip", $"-n {client} link set {link}c up");
    }

    private static void Hosts(string ns, IPAddress gateway)
    {
        Directory.CreateDirectory($"/etc/netns/{ns}");
        File.WriteAllText($"/etc/netns/{ns}/hosts", $"127.0.0.1 localhost\n{gateway} {PageName} {TurnName}\n");
    }

    /// <summary>A script that starts <paramref name="executable"/> in <paramref name="ns"/> with <c>HOME</c> = <paramref name="home"/> (its NSS database).</summary>
    public string WriteWrapper(string ns, string executable, string home)
    {
        var path = ClientNamespace.WriteWrapper(ns, executable, home);
        _files.Add(path);
        return path;
    }

    public void Dispose()
    {
        foreach (var ns in _namespaces)
        {
            TryRun("ip", $"netns del {ns}");
            if (Directory.Exists($"/etc/netns/{ns}"))
            {
                Directory.Delete($"/etc/netns/{ns}", recursive: true);
            }
        }

        // Gone with the gateway namespace normally (its peer lived there).
        TryRun("ip", $"link del {_serverLink}");
        foreach (var file in _files)
        {
            File.Delete(file);
        }
    }

    private static void TryRun(string file, string arguments)
    {
        try
        {
            Run(file, arguments);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static string Run(string file, string arguments) => ClientNamespace.Run(file, arguments);
}
