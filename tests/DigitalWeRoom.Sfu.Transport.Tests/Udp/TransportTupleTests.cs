using System.Net;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

public class TransportTupleTests
{
    [Fact]
    public void IPv4_and_IPv4_mapped_socket_addresses_give_the_same_key()
    {
        var v4 = new IPEndPoint(IPAddress.Parse("127.0.0.1"), 5004);
        var mapped = new IPEndPoint(IPAddress.Parse("127.0.0.1").MapToIPv6(), 5004);
        Assert.True(TransportTuple.TryFrom(v4.Serialize(), out var a));
        Assert.True(TransportTuple.TryFrom(mapped.Serialize(), out var b));
        Assert.Equal(a, b);
        Assert.True(a.IsIPv4Mapped);
        Assert.Equal(v4, a.ToIPEndPoint());
        Assert.Equal(a, TransportTuple.From(v4));
    }

    [Fact]
    public void IPv6_key_round_trips_and_differs_by_port_and_address()
    {
        var ep = new IPEndPoint(IPAddress.IPv6Loopback, 40000);
        Assert.True(TransportTuple.TryFrom(ep.Serialize(), out var a));
        Assert.Equal(ep, a.ToIPEndPoint());
        Assert.True(TransportTuple.TryFrom(new IPEndPoint(IPAddress.IPv6Loopback, 40001).Serialize(), out var b));
        Assert.True(TransportTuple.TryFrom(new IPEndPoint(IPAddress.Parse("::2"), 40000).Serialize(), out var c));
        Assert.NotEqual(a, b);
        Assert.NotEqual(a, c);
        Assert.False(a.IsIPv4Mapped);
    }
}
