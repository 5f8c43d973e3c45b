using System.Net;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Options;
using DigitalWeRoom.Sfu.Server.Signaling;
using DigitalWeRoom.Sfu.Server.Tests.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Security;

/// <summary>
/// Finding 2 of issue #12: the per-address join limit counts only authorized joins, is keyed by the client's address
/// as a trusted proxy reports it, and by /64 for IPv6 (one host holds a whole /64), so neither one anonymous client
/// behind the gateway nor one host rotating its IPv6 address changes what everyone else gets.
/// </summary>
public sealed class JoinLimitTests
{
    private static Dictionary<string, string?> Keyed(int joinsPerMinute) => new()
    {
        [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret,
        ["Sfu:Limits:JoinsPerIpPerMinute"] = joinsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string Token(SfuHost host, string room, string identity) =>
        host.Services.GetRequiredService<RoomTokenService>().Issue(new RoomTokenRequest(identity, null, new VideoGrant { Room = room })).Token;

    [Fact]
    public async Task Refused_joins_without_a_valid_token_do_not_use_up_the_limit_of_the_address()
    {
        await using var host = new SfuHost(Keyed(joinsPerMinute: 3));
        await using WsClient attacker = await host.ConnectAsync();
        for (int i = 0; i < 20; i++)
        {
            await attacker.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "standup", Name = "eve", Token = i % 2 == 0 ? null : "a.b.c", Id = $"j{i}" });
            Assert.Equal(ErrorCodes.Unauthorized, (await attacker.WaitForAsync(MessageTypes.Error, m => m.Id == $"j{i}")).Code);
        }

        // Same address (127.0.0.1), a valid token: joins.
        await using WsClient ada = await host.ConnectAsync();
        await ada.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "standup", Name = "ada", Token = Token(host, "standup", "ada") });
        SignalMessage answer = await ada.WaitForAsync(m => m.Type is MessageTypes.Joined or MessageTypes.Error);
        Assert.True(answer.Type == MessageTypes.Joined, answer.Code);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_client_address_has_its_own_limit_and_an_ipv6_slash64_shares_one()
    {
        await using var host = new SfuHost(new()
        {
            ["Sfu:Limits:JoinsPerIpPerMinute"] = "2",
            ["Proxy:TrustedProxies:0"] = "127.0.0.1",
        });

        async Task<SignalMessage> JoinFromAsync(string forwardedFor, string name)
        {
            WsClient client = await host.ConnectAsync(configure: o => o.SetRequestHeader("X-Forwarded-For", forwardedFor));
            await client.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "r", Name = name });
            return await client.WaitForAsync(m => m.Type is MessageTypes.Joined or MessageTypes.Error);
        }

        // One /64, three different interface ids: two joins, then the limit.
        Assert.Equal(MessageTypes.Joined, (await JoinFromAsync("2001:db8:1:2::1", "a")).Type);
        Assert.Equal(MessageTypes.Joined, (await JoinFromAsync("2001:db8:1:2::ffff:2", "b")).Type);
        Assert.Equal(ErrorCodes.JoinRateLimited, (await JoinFromAsync("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "c")).Code);

        // Another /64 and an IPv4 client, all through the same proxy connection address: their own budgets.
        Assert.Equal(MessageTypes.Joined, (await JoinFromAsync("2001:db8:1:3::1", "d")).Type);
        Assert.Equal(MessageTypes.Joined, (await JoinFromAsync("198.51.100.7", "e")).Type);
        Assert.Equal(MessageTypes.Joined, (await JoinFromAsync("198.51.100.8", "f")).Type);
    }

    [Fact]
    public void Ipv6_clients_are_keyed_by_slash64_and_ipv4_mapped_clients_by_their_ipv4_address()
    {
        using var limiter = new JoinRateLimiter(Microsoft.Extensions.Options.Options.Create(new SfuOptions { Limits = { JoinsPerIpPerMinute = 1 } }), TimeProvider.System);
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8::1")));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("2001:db8::2")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8:0:1::1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.1")));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("::ffff:192.0.2.1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.2")));
    }
}
