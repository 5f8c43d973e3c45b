using System.Net;
using DigitalWeRoom.Sfu.LoadTest.Targets;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Targets;

public class TargetPolicyTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.3.4")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Loopback_IsAllowed_WithoutFlag(string address)
    {
        Assert.True(TargetPolicy.IsAllowed(IPAddress.Parse(address), allowNetnsAddress: false, out string reason));
        Assert.Equal("", reason);
    }

    [Theory]
    [InlineData("10.77.0.2")]
    [InlineData("10.77.255.1")]
    public void NetnsAddress_NeedsTheFlag(string address)
    {
        Assert.False(TargetPolicy.IsAllowed(IPAddress.Parse(address), allowNetnsAddress: false, out string reason));
        Assert.Contains("--allow-netns-address", reason);
        Assert.True(TargetPolicy.IsAllowed(IPAddress.Parse(address), allowNetnsAddress: true, out _));
    }

    [Theory]
    [InlineData("192.0.2.2")]
    [InlineData("10.78.0.1")]
    [InlineData("10.0.0.1")]
    [InlineData("8.8.8.8")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("fd00::2")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:10.77.0.2")]
    [InlineData("255.255.255.255")]
    public void EverythingElse_IsRefused_EvenWithFlag(string address)
    {
        bool mappedNetns = address == "::ffff:10.77.0.2";
        Assert.Equal(mappedNetns, TargetPolicy.IsAllowed(IPAddress.Parse(address), allowNetnsAddress: true, out string reason));
        if (!mappedNetns)
        {
            Assert.Contains("refused", reason);
        }
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("[::1]", true)]
    [InlineData("example.com", false)]
    [InlineData("janus.internal", false)]
    [InlineData("", false)]
    public void Hosts_NamesOtherThanLocalhostAreRefusedWithoutResolving(string host, bool allowed)
    {
        Assert.Equal(allowed, TargetPolicy.IsAllowedHost(host, allowNetnsAddress: true, out _));
    }

    [Theory]
    [InlineData("http://127.0.0.1:8088/janus", false, true)]
    [InlineData("http://10.77.0.2:8088/janus", false, false)]
    [InlineData("http://10.77.0.2:8088/janus", true, true)]
    [InlineData("https://127.0.0.1/janus", true, false)]
    [InlineData("http://192.0.2.2:8088/janus", true, false)]
    [InlineData("ftp://127.0.0.1/", true, false)]
    public void Uris(string uri, bool flag, bool allowed)
    {
        Assert.Equal(allowed, TargetPolicy.IsAllowedUri(new Uri(uri), flag, out _));
    }
}
