using System.Diagnostics;

namespace DigitalWeRoom.Sfu.Interop.Tests.Browser;

/// <summary>
/// A test-made network namespace for one or more browser participants, joined to the current (test) namespace by a
/// veth pair: here <see cref="HostAddress"/> (10.77.N.1), there <see cref="PeerAddress"/> (10.77.N.2) with a default
/// route back. The default route matters: Firefox gathers no ICE candidates without one (TESTING-NOTES §6). Rules
/// (loss, firewalls) are nftables rulesets applied inside it with <see cref="ApplyRules"/> or at the host end with
/// <see cref="ApplyHostRules"/>. Needs root, iproute2 and nft, and refuses to run unless the current namespace has
/// nothing but <c>lo</c> (test.sh's namespace), so no address is ever added to a real interface.
/// </summary>
internal sealed class ClientNamespace : IDisposable
{
    private static int s_nextSubnet = Random.Shared.Next(50, 200);
    private readonly List<string> _hostTables = [];
    private readonly List<string> _files = [];
    private string? _etcDirectory;

    private ClientNamespace(string tag, int subnet, string prefix = "10.77", string links = "vc")
    {
        Name = $"dwr-c{tag}";
        HostLink = $"{links}h{tag}";
        PeerLink = $"{links}p{tag}";
        HostAddress = $"{prefix}.{subnet}.1";
        PeerAddress = $"{prefix}.{subnet}.2";
    }

    /// <summary>The namespace's end of the veth pair.</summary>
    public string PeerLink { get; }

    public string Name { get; }

    /// <summary>The host end of the veth pair (in the test namespace), e.g. for a tc qdisc or a netdev nft table.</summary>
    public string HostLink { get; }

    /// <summary>The test namespace's address on the link: the server listens and announces here.</summary>
    public string HostAddress { get; }

    /// <summary>The client namespace's address on the link.</summary>
    public string PeerAddress { get; }

    /// <summary>Whether this machine can make one (Linux, root, iproute2, nft).</summary>
    public static bool Supported =>
        OperatingSystem.IsLinux() && Environment.UserName == "root" && File.Exists("/usr/sbin/nft") && (File.Exists("/usr/sbin/ip") || File.Exists("/bin/ip"));

    public static ClientNamespace Create()
    {
        EnsureTestNamespace();

        var subnet = 50 + (Interlocked.Increment(ref s_nextSubnet) % 200);
        var tag = $"{Environment.ProcessId % 1000}x{subnet}";
        var ns = new ClientNamespace(tag, subnet);
        var peerLink = ns.PeerLink;
        try
        {
            Run("ip", $"netns add {ns.Name}");
            Run("ip", $"link add {ns.HostLink} type veth peer name {peerLink}");
            Run("ip", $"link set {peerLink} netns {ns.Name}");
            NoDelayedAddresses(null, ns.HostLink);
            NoDelayedAddresses(ns.Name, peerLink);
            Run("ip", $"addr add {ns.HostAddress}/24 dev {ns.HostLink}");
            Run("ip", $"link set {ns.HostLink} up");
            Run("ip", $"-n {ns.Name} addr add {ns.PeerAddress}/24 dev {peerLink}");
            Run("ip", $"-n {ns.Name} link set {peerLink} up");
            Run("ip", $"-n {ns.Name} link set lo up");
            Run("ip", $"-n {ns.Name} route add default via {ns.HostAddress}");
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A new link's IPv6 link-local address is usable at once (no duplicate address detection, RFC 4862 §5.4), so
    /// it does not appear 1.5 s later (`ip -ts monitor address`): Chromium takes that late address for a network
    /// change and fails every request in flight with ERR_NETWORK_CHANGED (a meeting page opened just after a
    /// namespace was made never loaded its scripts; SimulcastBandwidthTests failed so in CI and here).
    /// </summary>
    private static void NoDelayedAddresses(string? netns, string link)
    {
        string arguments = $"-q -w net.ipv6.conf.{link}.accept_dad=0";
        if (netns is null)
        {
            Run("sysctl", arguments);
        }
        else
        {
            Run("ip", $"netns exec {netns} sysctl {arguments}");
        }
    }

    /// <summary>
    /// A namespace behind this one, which becomes its router: a veth pair between the two (here 10.78.N.1, there
    /// 10.78.N.2 with the default route), IPv4 forwarding on here. <see cref="Masquerade"/> makes the router a NAT.
    /// </summary>
    public ClientNamespace CreateBehind()
    {
        var subnet = 50 + (Interlocked.Increment(ref s_nextSubnet) % 200);
        var tag = $"{Environment.ProcessId % 1000}n{subnet}";
        var ns = new ClientNamespace(tag, subnet, "10.78", "vn");
        try
        {
            Run("ip", $"netns add {ns.Name}");
            Run("ip", $"-n {Name} link add {ns.HostLink} type veth peer name {ns.PeerLink} netns {ns.Name}");
            NoDelayedAddresses(Name, ns.HostLink);
            NoDelayedAddresses(ns.Name, ns.PeerLink);
            Run("ip", $"-n {Name} addr add {ns.HostAddress}/24 dev {ns.HostLink}");
            Run("ip", $"-n {Name} link set {ns.HostLink} up");
            Run("ip", $"-n {ns.Name} addr add {ns.PeerAddress}/24 dev {ns.PeerLink}");
            Run("ip", $"-n {ns.Name} link set {ns.PeerLink} up");
            Run("ip", $"-n {ns.Name} link set lo up");
            Run("ip", $"-n {ns.Name} route add default via {ns.HostAddress}");
            Run("ip", $"netns exec {Name} sysctl -q -w net.ipv4.ip_forward=1");
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Turns this namespace into a symmetric NAT for the namespaces behind it: every flow leaving toward the test
    /// namespace gets the address of <see cref="PeerLink"/> and a random source port of its own (nft masquerade
    /// <c>random,fully-random</c>), so the mapping depends on the destination (RFC 4787 §4.1 "address and port-dependent
    /// mapping"), and conntrack lets in only replies from that destination (address and port-dependent filtering).
    /// </summary>
    public void Masquerade() => ApplyRules($$"""
        table ip reachnat {
          chain post {
            type nat hook postrouting priority srcnat;
            oifname "{{PeerLink}}" masquerade random,fully-random
          }
        }
        """);

    /// <summary>
    /// Lets the test namespace route between its client namespaces (IPv4 forwarding, a per-namespace setting), so two
    /// participants in different client namespaces can talk peer-to-peer.
    /// </summary>
    public static void ForwardBetweenClients()
    {
        EnsureTestNamespace();
        File.WriteAllText("/proc/sys/net/ipv4/ip_forward", "1");
    }

    private static void EnsureTestNamespace()
    {
        var links = Run("ip", "-o link show").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (links.Length < 1 || !links.All(l => l.Contains(": lo:", StringComparison.Ordinal) || l.Contains(": vch", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("client namespaces are made only from a loopback-only namespace (run via test.sh or `ip netns exec`): " + string.Join(" | ", links));
        }
    }

    /// <summary>Loads an nftables ruleset (the <c>nft -f</c> file syntax) inside the client namespace.</summary>
    public void ApplyRules(string ruleset) => Run("ip", $"netns exec {Name} nft -f -", ruleset);

    /// <summary>Loads a ruleset in the test namespace that names table <paramref name="table"/> (removed on dispose).</summary>
    public void ApplyHostRules(string table, string ruleset)
    {
        Run("nft", "-f -", ruleset);
        _hostTables.Add(table);
    }

    /// <summary>Runs <c>nft</c> with <paramref name="arguments"/> inside the namespace (or in the test namespace) and returns its output.</summary>
    public string Nft(string arguments, bool inside = true) => inside ? Run("ip", $"netns exec {Name} nft {arguments}") : Run("nft", arguments);

    /// <summary>
    /// A second address of the test namespace on this namespace's link (10.77.N.<paramref name="host"/>), e.g. a TURN
    /// server's own address next to the SFU's; it goes with the link on dispose.
    /// </summary>
    public string AddHostAddress(int host)
    {
        var address = $"{HostAddress[..HostAddress.LastIndexOf('.')]}.{host}";
        Run("ip", $"addr add {address}/24 dev {HostLink}");
        return address;
    }

    /// <summary>
    /// Makes <paramref name="hostName"/> resolve to <paramref name="address"/> for programs started in the namespace:
    /// <c>ip netns exec</c> bind-mounts /etc/netns/NAME/hosts over /etc/hosts (ip-netns(8)). Call it before starting them.
    /// </summary>
    public void AddHostName(string hostName, string address)
    {
        var dir = Path.Combine("/etc/netns", Name);
        Directory.CreateDirectory(dir);
        File.AppendAllText(Path.Combine(dir, "hosts"), $"127.0.0.1 localhost\n::1 localhost\n{address} {hostName}\n");
        _etcDirectory = dir;
    }

    /// <summary>
    /// A script that starts <paramref name="executable"/> inside the namespace (for Playwright's ExecutablePath), with
    /// <c>HOME</c> = <paramref name="home"/> when given (Chromium reads trusted CAs from $HOME/.pki/nssdb).
    /// </summary>
    public string WriteWrapper(string executable, string? home = null)
    {
        var path = WriteWrapper(Name, executable, home);
        _files.Add(path);
        return path;
    }

    /// <summary>The same for any namespace <paramref name="ns"/>; the caller deletes the script.</summary>
    public static string WriteWrapper(string ns, string executable, string? home)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{Path.GetFileName(executable)}-in-{ns}.sh");
        var env = home is null ? "" : $"env HOME={home} ";
        File.WriteAllText(path, $"#!/bin/sh\nexec {env}ip netns exec {ns} {executable} \"$@\"\n");
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("network namespaces are Linux only");
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Counter <paramref name="chain"/>'s packets in an nft listing (the first <c>packets N</c> after <c>chain NAME</c>).</summary>
    public static long CounterPackets(string listing, string chain)
    {
        var at = listing.IndexOf("chain " + chain, StringComparison.Ordinal);
        var packets = listing.IndexOf("packets ", at, StringComparison.Ordinal);
        var end = listing.IndexOf(' ', packets + 8);
        return long.Parse(listing.AsSpan(packets + 8, end - packets - 8), System.Globalization.CultureInfo.InvariantCulture);
    }

    public void Dispose()
    {
        var steps = _hostTables.Select(t => ("nft", $"delete table {t}")).Append(("ip", $"netns del {Name}")).Append(("ip", $"link del {HostLink}"));
        foreach (var (file, arguments) in steps)
        {
            try
            {
                Run(file, arguments);
            }
            catch (InvalidOperationException)
            {
                // Already gone: the veth pair goes with the namespace.
            }
        }

        foreach (var file in _files)
        {
            File.Delete(file);
        }

        if (_etcDirectory is not null)
        {
            Directory.Delete(_etcDirectory, recursive: true);
        }
    }

    internal static string Run(string file, string arguments, string? input = null)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
        }) ?? throw new InvalidOperationException($"{file} did not start");
        if (input is not null)
        {
            process.StandardInput.Write(input);
            process.StandardInput.Close();
        }

        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments}: exit {process.ExitCode}: {error.Trim()}");
        }

        return output;
    }
}
