using System.Net;
using DigitalWeRoom.Sfu.Server.Options;
using DigitalWeRoom.Sfu.Server.Telemetry;

namespace DigitalWeRoom.Sfu.Server.Tests.Telemetry;

/// <summary>
/// Which addresses count as "relay" in <c>sfu_transports_selected</c>: the hosts of the turn:/turns: URLs the server
/// hands out (RFC 7065 §3.1), literal or resolved. The udp/tcp split is proven with browsers in ReachMeetingTests.
/// </summary>
public sealed class SelectedPathCounterTests
{
    [Theory]
    [InlineData("turn:turn.example.org:3478?transport=udp", "turn.example.org")]
    [InlineData("turns:10.1.2.3:443?transport=tcp", "10.1.2.3")]
    [InlineData("turn:[2001:db8::7]:3478", "2001:db8::7")]
    [InlineData("TURN:host", "host")]
    [InlineData("stun:stun.example.org:3478", null)]
    [InlineData("turn:", null)]
    [InlineData("turn:[2001:db8::7", null)]
    public void The_host_of_a_TURN_URL(string url, string? host) => Assert.Equal(host, SelectedPathCounter.HostOf(url));

    [Fact]
    public async Task Relayed_addresses_are_those_of_the_configured_TURN_servers_literal_or_resolved()
    {
        var options = new SfuOptions
        {
            Turn = new TurnSettings { Urls = ["turns:10.1.2.3:5349?transport=tcp", "turn:localhost:3478"], Secret = "0123456789abcdef" },
            IceServers = [new IceServerSettings { Urls = ["turn:[2001:db8::7]:3478", "stun:192.0.2.9:3478"], Username = "u", Credential = "p" }],
        };
        var counter = new SelectedPathCounter(null, Microsoft.Extensions.Options.Options.Create(options));

        Assert.True(counter.IsTurnAddress(IPAddress.Parse("10.1.2.3")));
        Assert.True(counter.IsTurnAddress(IPAddress.Parse("::ffff:10.1.2.3")));
        Assert.True(counter.IsTurnAddress(IPAddress.Parse("2001:db8::7")));
        Assert.False(counter.IsTurnAddress(IPAddress.Parse("192.0.2.9")));
        Assert.False(counter.IsTurnAddress(IPAddress.Parse("10.1.2.4")));
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!counter.IsTurnAddress(IPAddress.Loopback) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.True(counter.IsTurnAddress(IPAddress.Loopback), "localhost resolved");
        Assert.Equal([0L, 0L, 0L], counter.Count());
    }

    [Fact]
    public void A_peer_at_an_also_announced_address_is_a_TURN_relay_on_this_host()
    {
        // The grid VM: the TURN URL names the gateway (not resolvable to the relay), coturn relays from the VM's
        // private address, which the server announces besides its public one.
        var options = new SfuOptions
        {
            Udp = new UdpSettings { AlsoAnnounce = ["10.20.6.2"] },
            Turn = new TurnSettings { Urls = ["turns:turn-web.invalid:443?transport=tcp"], Secret = "0123456789abcdef" },
        };
        var counter = new SelectedPathCounter(null, Microsoft.Extensions.Options.Options.Create(options));
        Assert.True(counter.IsTurnAddress(IPAddress.Parse("10.20.6.2")));
        Assert.True(counter.IsTurnAddress(IPAddress.Parse("::ffff:10.20.6.2")));
        Assert.False(counter.IsTurnAddress(IPAddress.Parse("10.20.6.1")));
    }
}
