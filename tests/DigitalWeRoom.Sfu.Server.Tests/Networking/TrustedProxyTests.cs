using System.Net;
using DigitalWeRoom.Sfu.Server.Proxy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace DigitalWeRoom.Sfu.Server.Tests.Networking;

public sealed class TrustedProxyTests
{
    private const string Gateway = "2a02:1802:5e::10";

    [Fact]
    public async Task Forwarded_headers_from_a_trusted_proxy_are_honoured()
    {
        await using var app = await StartAsync(["2a02:1802:5e::/64"]);
        var seen = await GetAsync(app, remote: Gateway);
        Assert.Equal("198.51.100.23|https|meet.ava.tf", seen);
    }

    [Fact]
    public async Task Forwarded_headers_from_anyone_else_are_ignored()
    {
        await using var app = await StartAsync(["2a02:1802:5e::/64"]);
        var seen = await GetAsync(app, remote: "2a02:1802:99::1");
        Assert.Equal("2a02:1802:99::1|http|localhost", seen);
    }

    [Fact]
    public async Task Nothing_is_trusted_by_default_not_even_loopback()
    {
        await using var app = await StartAsync([]);
        var seen = await GetAsync(app, remote: "127.0.0.1");
        Assert.Equal("127.0.0.1|http|localhost", seen);
    }

    [Fact]
    public async Task A_single_address_can_be_trusted()
    {
        await using var app = await StartAsync([Gateway]);
        Assert.Equal("198.51.100.23|https|meet.ava.tf", await GetAsync(app, remote: Gateway));
        Assert.Equal("2a02:1802:5e::11|http|localhost", await GetAsync(app, remote: "2a02:1802:5e::11"));
    }

    [Fact]
    public async Task An_ipv4_proxy_seen_ipv4_mapped_on_a_dual_stack_listener_is_trusted()
    {
        // Kestrel on [::] reports an IPv4 peer as ::ffff:a.b.c.d; an IPv4 entry must still match it.
        await using var app = await StartAsync(["10.20.0.0/16"]);
        Assert.Equal("198.51.100.23|https|meet.ava.tf", await GetAsync(app, remote: "::ffff:10.20.1.2"));
        Assert.Equal("::ffff:10.21.1.2|http|localhost", await GetAsync(app, remote: "::ffff:10.21.1.2"));
    }

    [Fact]
    public void A_bad_entry_fails_at_start_up_naming_the_setting()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Proxy:TrustedProxies:0"] = "gateway.example" });
        var ex = Assert.Throws<InvalidOperationException>(() => builder.Services.AddTrustedProxies(builder.Configuration));
        Assert.Contains("Proxy:TrustedProxies", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<WebApplication> StartAsync(string[] trusted)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(
            trusted.Select((t, i) => new KeyValuePair<string, string?>($"Proxy:TrustedProxies:{i}", t)));
        builder.Services.AddTrustedProxies(builder.Configuration);
        var app = builder.Build();
        // TestServer has no socket; this stands in for the peer address Kestrel would report.
        app.Use((context, next) =>
        {
            context.Connection.RemoteIpAddress = IPAddress.Parse(context.Request.Headers["X-Test-Peer"].ToString());
            return next(context);
        });
        app.UseTrustedProxies();
        app.MapGet("/who", (HttpContext c) => $"{c.Connection.RemoteIpAddress}|{c.Request.Scheme}|{c.Request.Host}");
        await app.StartAsync();
        return app;
    }

    private static async Task<string> GetAsync(WebApplication app, string remote)
    {
        using var client = app.GetTestClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/who");
        request.Headers.Add("X-Test-Peer", remote);
        request.Headers.Add("X-Forwarded-For", "198.51.100.23");
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Add("X-Forwarded-Host", "meet.ava.tf");
        using var response = await client.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }
}
