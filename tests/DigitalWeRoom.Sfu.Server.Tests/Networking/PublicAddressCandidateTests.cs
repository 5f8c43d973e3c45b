using System.Net;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using DigitalWeRoom.Sfu.Transport.Tests.Udp;

namespace DigitalWeRoom.Sfu.Server.Tests.Networking;

/// <summary>
/// Issue #14 item 6: behind a 1:1 NAT the public address learned from <c>Sfu:Udp:StunServers</c> is announced for the
/// ICE-TCP port (RFC 6544 passive candidates) as well as for UDP, since the NAT maps TCP the same way. A loopback STUN
/// server stands in for the NAT by reporting a "public" mapping of the media port.
/// </summary>
public sealed class PublicAddressCandidateTests
{
    private const string Public = "198.51.100.77";

    [Fact]
    public async Task The_servers_offer_announces_the_stun_learned_address_on_its_udp_and_its_tcp_candidates()
    {
        using var stun = new MappingStunServer(port => new IPEndPoint(IPAddress.Parse(Public), port));
        await using var host = new SfuHost(new()
        {
            ["Sfu:P2PEnabled"] = "false",
            ["Sfu:Udp:BindAddress"] = "127.0.0.1",
            ["Sfu:Udp:AnnouncedAddresses:0"] = "127.0.0.1",
            ["Sfu:Udp:StunServers:0"] = stun.EndPoint.ToString(),
            ["Sfu:Tcp:Enabled"] = "true",
        });
        await using var client = await host.ConnectAsync();
        await client.JoinAsync("behind-nat", "ada");

        var offer = (await client.WaitForAsync(MessageTypes.Offer, m => m.From == SignalTargets.Server)).Sdp!;
        // Every m-section (BUNDLE) carries the same candidates: each distinct one once.
        string[][] candidates = [.. offer.Split("\r\n").Where(l => l.StartsWith("a=candidate:", StringComparison.Ordinal)).Distinct().Select(l => l.Split(' '))];
        // a=candidate:<foundation> <component> <transport> <priority> <address> <port> typ host [tcptype passive]
        string[] udp = Assert.Single(candidates, c => c[2] == "udp" && c[4] == Public);
        string[] tcp = Assert.Single(candidates, c => c[2] == "tcp" && c[4] == Public);
        Assert.Contains(candidates, c => c[2] == "tcp" && c[4] == "127.0.0.1" && c[5] == tcp[5]);
        Assert.Equal(["typ", "host", "tcptype", "passive"], tcp[6..]);
        Assert.True(long.Parse(tcp[3], System.Globalization.CultureInfo.InvariantCulture) < long.Parse(udp[3], System.Globalization.CultureInfo.InvariantCulture));
    }
}
