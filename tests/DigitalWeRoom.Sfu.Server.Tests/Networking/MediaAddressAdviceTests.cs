using System.Net;
using DigitalWeRoom.Sfu.Server.Networking;
using DigitalWeRoom.Sfu.Server.Options;

namespace DigitalWeRoom.Sfu.Server.Tests.Networking;

/// <summary>Issue #14 item 6: the start-up warning about unreachable announced addresses, and the STUN server list.</summary>
public sealed class MediaAddressAdviceTests
{
    [Theory]
    [InlineData("127.0.0.1,::1")]
    [InlineData("10.0.0.5")]
    [InlineData("192.168.1.20,fd00::7")]
    [InlineData("100.64.3.2")]
    public void Only_loopback_or_private_addresses_are_warned_about(string announced)
    {
        var warning = MediaAddressAdvice.Warning(announced.Split(',').Select(IPAddress.Parse));
        Assert.NotNull(warning);
        Assert.Contains("Sfu:Udp:StunServers", warning, StringComparison.Ordinal);
        foreach (var address in announced.Split(','))
        {
            Assert.Contains(address, warning, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("10.0.0.5,8.8.4.4")]
    [InlineData("2a02:1802:5e::7,10.20.2.2")]
    public void One_global_address_is_enough(string announced) =>
        Assert.Null(MediaAddressAdvice.Warning(announced.Split(',').Select(IPAddress.Parse)));

    [Theory]
    [InlineData("stun.example.org:3478", "stun.example.org", 3478)]
    [InlineData("192.0.2.1:19302", "192.0.2.1", 19302)]
    [InlineData("[2001:db8::1]:3478", "2001:db8::1", 3478)]
    public void Stun_server_entries_are_host_and_port(string entry, string host, int port) =>
        Assert.Equal((host, port), StunServerList.Split(entry));

    [Theory]
    [InlineData("stun.example.org")]
    [InlineData("stun.example.org:0")]
    [InlineData("stun.example.org:70000")]
    [InlineData("2001:db8::1:3478")]
    [InlineData(":3478")]
    [InlineData("a b:3478")]
    public void Other_stun_server_entries_are_refused(string entry)
    {
        Assert.Null(StunServerList.Split(entry));
        var errors = new SfuOptionsValidator().Validate(null, new SfuOptions { Udp = new UdpSettings { StunServers = [entry] } });
        Assert.Contains(errors.Failures ?? [], f => f.Contains("Sfu:Udp:StunServers", StringComparison.Ordinal));
    }

    [Fact]
    public void Literal_entries_resolve_without_dns_and_unresolvable_names_are_skipped() =>
        Assert.Equal([new IPEndPoint(IPAddress.Parse("192.0.2.1"), 3478)], StunServerList.Resolve(["192.0.2.1:3478", "no-such-host.invalid:3478"]));
}
