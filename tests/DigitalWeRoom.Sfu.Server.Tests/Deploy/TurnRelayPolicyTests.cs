using System.Net;
using System.Numerics;
using YamlDotNet.RepresentationModel;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>
/// Review finding 13: the compose coturn relay's credentials reach every joiner (until issue #14), so its
/// <c>denied-peer-ip</c> ranges must keep relayed traffic off every internal network: RFC 1918, shared address space
/// (RFC 6598, 100.64/10), link-local (RFC 3927, 169.254/16, where clouds serve instance metadata), loopback, "this
/// network" (0/8), unique-local (RFC 4193, fc00::/7) and IPv6 link-local (fe80::/10).
/// </summary>
public sealed class TurnRelayPolicyTests
{
    public static TheoryData<string> InternalNetworks => new(
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
        "::1/128", "fc00::/7", "fe80::/10");

    [Theory]
    [MemberData(nameof(InternalNetworks))]
    public void Compose_coturn_denies_relaying_to(string network)
    {
        var (first, last) = Bounds(IPNetwork.Parse(network));
        var denied = DeniedRanges();
        Assert.True(denied.Any(r => r.First.AddressFamily == first.AddressFamily
                && Number(r.First) <= Number(first) && Number(last) <= Number(r.Last)),
            $"no --denied-peer-ip covers {network}; denied: {string.Join(", ", denied.Select(r => $"{r.First}-{r.Last}"))}");
    }

    [Fact]
    public void Security_doc_states_the_static_credential_risk()
    {
        var doc = File.ReadAllText(RepoPaths.Path("docs", "security.md"));
        Assert.Contains("Static TURN credentials", doc, StringComparison.Ordinal);
        Assert.Contains("issue #14", doc, StringComparison.Ordinal);
    }

    /// <summary>coturn's <c>--denied-peer-ip=A</c> or <c>=A-B</c> arguments of the compose <c>coturn</c> service.</summary>
    private static List<(IPAddress First, IPAddress Last)> DeniedRanges()
    {
        using var reader = new StreamReader(RepoPaths.Path("deploy", "docker", "compose.yaml"));
        var stream = new YamlStream();
        stream.Load(reader);
        var coturn = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)stream.Documents[0].RootNode)["services"])["coturn"];
        const string Flag = "--denied-peer-ip=";
        return [.. ((YamlSequenceNode)coturn["command"]).Children.Select(c => ((YamlScalarNode)c).Value!)
            .Where(a => a.StartsWith(Flag, StringComparison.Ordinal))
            .Select(a => a[Flag.Length..].Split('-'))
            .Select(r => (IPAddress.Parse(r[0]), IPAddress.Parse(r.Length > 1 ? r[1] : r[0])))];
    }

    private static (IPAddress First, IPAddress Last) Bounds(IPNetwork network)
    {
        var bytes = network.BaseAddress.GetAddressBytes();
        var last = (byte[])bytes.Clone();
        for (var bit = network.PrefixLength; bit < bytes.Length * 8; bit++)
        {
            last[bit / 8] |= (byte)(0x80 >> (bit % 8));
        }

        return (network.BaseAddress, new IPAddress(last));
    }

    private static BigInteger Number(IPAddress address) => new(address.GetAddressBytes(), isUnsigned: true, isBigEndian: true);
}
