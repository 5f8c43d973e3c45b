using System.Net;
using DigitalWeRoom.Sfu.Transport.Ice;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Transport.Tests.Ice;

public class IceCredentialsAndCandidatesTests
{
    [Fact]
    public void Generated_credentials_are_ice_chars_of_the_required_entropy_and_differ()
    {
        var seen = new HashSet<string>();
        for (int i = 0; i < 1000; i++)
        {
            var credentials = IceCredentials.Generate();
            Assert.Equal(8, credentials.Ufrag.Length);   // 48 bits >= 24 (RFC 8445 §5.3)
            Assert.Equal(24, credentials.Password.Length); // 144 bits >= 128
            Assert.True(IceCredentials.IsIceString(credentials.Ufrag, 4, 256));
            Assert.True(IceCredentials.IsIceString(credentials.Password, 22, 256));
            Assert.True(seen.Add(credentials.Ufrag));
        }
        Assert.Throws<ArgumentException>(() => new IceCredentials("ab", "0123456789012345678901"));
        Assert.Throws<ArgumentException>(() => new IceCredentials("abcd", "short"));
        Assert.Throws<ArgumentException>(() => new IceCredentials("ab:d", "0123456789012345678901"));
    }

    [Fact]
    public void Host_candidate_priority_follows_RFC_8445_and_prefers_IPv6()
    {
        // 2^24 * 126 + 2^8 * 65535 + (256 - 1)
        Assert.Equal(2130706431u, HostCandidate.ComputePriority(126, 65535, 1));
        var candidates = HostCandidate.For([IPAddress.Parse("192.0.2.10"), IPAddress.Parse("2001:db8::10")], 3478);
        Assert.Equal("candidate:1 1 udp " + candidates[0].Priority + " 192.0.2.10 3478 typ host", candidates[0].ToSdpValue());
        Assert.Equal("candidate:2 1 udp " + candidates[1].Priority + " 2001:db8::10 3478 typ host", candidates[1].ToSdpValue());
        Assert.True(candidates[1].Priority > candidates[0].Priority);
        Assert.Equal(126u, candidates[0].Priority >> 24);
    }

    [Fact]
    public void Endpoint_announces_its_configured_addresses_with_its_port()
    {
        using var endpoint = new UdpEndpoint(new UdpEndpointOptions
        {
            BindAddress = IPAddress.IPv6Any,
            AnnouncedAddresses = [IPAddress.Parse("192.0.2.1"), IPAddress.Parse("2001:db8::1")],
        });
        Assert.Equal(2, endpoint.LocalCandidates.Count);
        Assert.All(endpoint.LocalCandidates, c => Assert.Equal(endpoint.Port, c.Port));
        using var specific = new UdpEndpoint(new UdpEndpointOptions { BindAddress = IPAddress.Loopback });
        Assert.Equal(IPAddress.Loopback, Assert.Single(specific.LocalCandidates).Address);
    }
}
