using System.Net;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>
/// Review finding 7: without keys, <c>/metrics</c> and <c>POST /deploy/bundle</c> answer local callers only, as the
/// Room API does (docs/security.md, "Deployment"); a non-local caller, direct or behind a trusted proxy, gets 401,
/// unless the operator opened the endpoint on purpose (<c>Sfu:Telemetry:MetricsOpen</c>, <c>Sfu:Deploy:BundleOpen</c>).
/// </summary>
public sealed class NonLocalCallerTests
{
    private static readonly IPAddress Remote = IPAddress.Parse("198.51.100.7");

    private static HttpRequestMessage Metrics() => new(HttpMethod.Get, "/metrics");

    private static HttpRequestMessage Bundle() => new(HttpMethod.Post, "/deploy/bundle")
    {
        Content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["size"] = "small", ["location"] = "ghent", ["name"] = "myroom", ["domain"] = "ava.tf", ["ssh"] = "no",
        }),
    };

    [Fact]
    public async Task Without_keys_a_remote_caller_is_refused()
    {
        using var factory = new RemoteCallerFactory(Remote, []);
        using var client = factory.CreateClient();
        foreach (var request in new[] { Metrics(), Bundle() })
        {
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{request.RequestUri}: {(int)response.StatusCode}");
            Assert.Contains("localhost only", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // The pages hold nothing and stay reachable.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(new Uri("/deploy", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Without_keys_the_same_requests_from_loopback_are_answered()
    {
        using var factory = new RemoteCallerFactory(IPAddress.Loopback, []);
        using var client = factory.CreateClient();
        foreach (var request in new[] { Metrics(), Bundle() })
        {
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{request.RequestUri}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task Without_keys_a_client_behind_the_trusted_proxy_is_not_local()
    {
        // Real Kestrel on 127.0.0.1: the proxy is local, the client it forwards for is not.
        await using var host = new SfuHost(new() { ["Proxy:TrustedProxies:0"] = "127.0.0.1" });
        using var client = host.CreateClient();
        foreach (var make in new Func<HttpRequestMessage>[] { Metrics, Bundle })
        {
            using var forwarded = make();
            forwarded.Headers.Add("X-Forwarded-For", "203.0.113.9");
            using var refused = await client.SendAsync(forwarded);
            Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{forwarded.RequestUri} for 203.0.113.9: {(int)refused.StatusCode}");

            using var local = make();
            using var answered = await client.SendAsync(local);
            Assert.True(answered.StatusCode == HttpStatusCode.OK, $"{local.RequestUri} from the proxy host itself: {(int)answered.StatusCode}");
        }
    }

    [Fact]
    public async Task Opened_on_purpose_they_answer_every_caller_even_with_keys()
    {
        using var factory = new RemoteCallerFactory(Remote, new()
        {
            ["Sfu:Telemetry:MetricsOpen"] = "true",
            ["Sfu:Deploy:BundleOpen"] = "true",
            [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret,
        });
        using var client = factory.CreateClient();
        foreach (var request in new[] { Metrics(), Bundle() })
        {
            using var response = await client.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{request.RequestUri}: {(int)response.StatusCode}");
        }

        // Opening the scrape opens nothing else.
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync(new Uri("/api/stats", UriKind.Relative))).StatusCode);
    }
}
