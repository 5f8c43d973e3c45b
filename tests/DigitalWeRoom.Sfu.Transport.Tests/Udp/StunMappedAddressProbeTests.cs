using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Udp;

/// <summary>
/// Issue #14 item 6: behind a 1:1 NAT the media socket asks STUN servers (RFC 8489 Binding) for its public address at
/// start-up and announces it. A STUN server on loopback stands in for the NAT by answering with a "public" mapping.
/// </summary>
public sealed class StunMappedAddressProbeTests
{
    private static readonly IPAddress Public = IPAddress.Parse("198.51.100.77");

    [Fact]
    public async Task The_mapped_address_a_stun_server_reports_is_announced_beside_the_configured_one()
    {
        using var stun = new MappingStunServer(port => new IPEndPoint(Public, port));
        using var server = new UdpEndpoint(new UdpEndpointOptions
        {
            BindAddress = IPAddress.Loopback,
            AnnouncedAddresses = [IPAddress.Loopback],
            StunServers = [stun.EndPoint],
        });

        Assert.Equal([new IPEndPoint(Public, server.Port)], server.MappedAddresses);
        Assert.Equal(0, server.StunServersUnanswered);
        Assert.Equal([IPAddress.Loopback, Public], server.LocalCandidates.Where(c => !c.IsTcp).Select(c => c.Address));
        Assert.All(server.LocalCandidates, c => Assert.Equal(server.Port, c.Port));
        // It asked from the media socket itself: that is the mapping the browsers will use.
        Assert.Equal(server.Port, (await stun.FirstRequestFrom).Port);
    }

    [Fact]
    public void A_silent_or_unreachable_stun_server_costs_at_most_the_timeout_and_is_counted()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var clock = Stopwatch.StartNew();
        using var server = new UdpEndpoint(new UdpEndpointOptions
        {
            BindAddress = IPAddress.Loopback,
            StunServers = [(IPEndPoint)silent.LocalEndPoint!, new IPEndPoint(IPAddress.IPv6Loopback, 9)],
            StunTimeout = TimeSpan.FromMilliseconds(600),
        }).Start();

        Assert.InRange(clock.ElapsedMilliseconds, 500, 5000);
        Assert.Empty(server.MappedAddresses);
        Assert.Equal(2, server.StunServersUnanswered);
        Assert.Equal([IPAddress.Loopback], server.LocalCandidates.Where(c => !c.IsTcp).Select(c => c.Address));
        // The silent server got the request retransmitted within the timeout (RFC 8489 §6.2.1), not once only.
        var buffer = new byte[1500];
        int requests = 0;
        while (silent.Available > 0)
        {
            silent.Receive(buffer);
            requests++;
        }

        Assert.True(requests >= 2, $"{requests} request(s)");
    }

    [Fact]
    public void A_mapping_to_another_port_is_not_a_1_to_1_nat_and_is_not_announced()
    {
        using var stun = new MappingStunServer(port => new IPEndPoint(Public, port == 40000 ? 40001 : 40000));
        using var server = new UdpEndpoint(new UdpEndpointOptions
        {
            BindAddress = IPAddress.Loopback,
            AnnouncedAddresses = [IPAddress.Loopback],
            StunServers = [stun.EndPoint],
        });

        Assert.Single(server.MappedAddresses);
        Assert.Equal([IPAddress.Loopback], server.LocalCandidates.Where(c => !c.IsTcp).Select(c => c.Address));
    }
}
