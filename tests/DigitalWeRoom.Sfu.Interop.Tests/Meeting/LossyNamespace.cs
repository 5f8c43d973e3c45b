using System.Diagnostics;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// A test-made network namespace joined to the current one by a veth pair (here <see cref="HostAddress"/>, there
/// <see cref="PeerAddress"/>, default route back), whose UDP traffic in both directions loses one packet in
/// <c>dropOneIn</c> at random (nftables <c>numgen random mod N == 0 drop</c>; netem is not in this kernel). Upstream
/// packets are dropped where they arrive, at the ingress of the host end of the veth pair: a drop in the namespace's
/// own output hook fails <c>sendto</c> with EPERM, and Chromium then sends the packet again, so that "loss" never
/// reaches the server.
/// A Chromium started through <see cref="WriteChromiumWrapper"/> runs inside it. Needs root, iproute2 and nft, and
/// refuses to run unless the current namespace has nothing but <c>lo</c> (test.sh's namespace), so no address is
/// added anywhere else.
/// </summary>
internal sealed class LossyNamespace : IDisposable
{
    public const string HostAddress = "10.77.41.1";
    public const string PeerAddress = "10.77.41.2";

    private readonly string _hostLink;

    private LossyNamespace(string name, string hostLink)
    {
        Name = name;
        _hostLink = hostLink;
    }

    public string Name { get; }

    /// <summary>The nftables table, in the current namespace, that drops upstream packets at the host end of the link.</summary>
    private string UpstreamTable => "lossy_" + _hostLink;

    public static LossyNamespace Create(int dropOneIn)
    {
        var links = Run("ip", "-o link show").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (links.Length != 1 || !links[0].Contains(": lo:", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the loss test makes its own namespaces only from a loopback-only namespace (run it via test.sh or `ip netns exec`): " + string.Join(" | ", links));
        }

        var id = $"{Environment.ProcessId % 10000}{Random.Shared.Next(100)}";
        var ns = new LossyNamespace($"dwr-loss-{id}", $"vlh{id}");
        var peerLink = $"vlp{id}";
        Run("ip", $"netns add {ns.Name}");
        Run("ip", $"link add {ns._hostLink} type veth peer name {peerLink}");
        Run("ip", $"link set {peerLink} netns {ns.Name}");
        Run("ip", $"addr add {HostAddress}/24 dev {ns._hostLink}");
        Run("ip", $"link set {ns._hostLink} up");
        Run("ip", $"-n {ns.Name} addr add {PeerAddress}/24 dev {peerLink}");
        Run("ip", $"-n {ns.Name} link set {peerLink} up");
        Run("ip", $"-n {ns.Name} link set lo up");
        Run("ip", $"-n {ns.Name} route add default via {HostAddress}");
        Run("ip", $"netns exec {ns.Name} nft -f -", $$"""
            table inet lossy {
              chain in { type filter hook input priority 0; meta l4proto udp numgen random mod {{dropOneIn}} == 0 counter drop; }
            }
            """);
        Run("nft", "-f -", $$"""
            table netdev {{ns.UpstreamTable}} {
              chain out { type filter hook ingress device {{ns._hostLink}} priority 0; ip protocol udp numgen random mod {{dropOneIn}} == 0 counter drop; }
            }
            """);
        return ns;
    }

    /// <summary>UDP packets dropped so far (out of, into) the namespace.</summary>
    public (long Out, long In) Dropped()
    {
        var text = Run("nft", $"list table netdev {UpstreamTable}") + Run("ip", $"netns exec {Name} nft list table inet lossy");
        long Count(string chain)
        {
            var at = text.IndexOf("chain " + chain, StringComparison.Ordinal);
            var packets = text.IndexOf("packets ", at, StringComparison.Ordinal);
            var end = text.IndexOf(' ', packets + 8);
            return long.Parse(text.AsSpan(packets + 8, end - packets - 8), System.Globalization.CultureInfo.InvariantCulture);
        }

        return (Count("out"), Count("in"));
    }

    /// <summary>A script Playwright can start as its browser: Chromium inside this namespace.</summary>
    public string WriteChromiumWrapper(string directory)
    {
        var path = Path.Combine(directory, "chromium-in-" + Name);
        File.WriteAllText(path, $"#!/bin/sh\nexec ip netns exec {Name} {Browser.Chromium.ExecutablePath} \"$@\"\n");
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("network namespaces are Linux only");
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    public void Dispose()
    {
        foreach (var (file, arguments) in new[] { ("nft", $"delete table netdev {UpstreamTable}"), ("ip", $"netns del {Name}"), ("ip", $"link del {_hostLink}") })
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
    }

    private static string Run(string file, string arguments, string? input = null)
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
