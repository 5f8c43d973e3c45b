using System.Net;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Server.Health;
using DigitalWeRoom.Sfu.Server.Tests.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Security;

/// <summary>
/// Finding 11 of issue #12: the operator API trusts loopback callers when no keys are set, so a web page in the
/// operator's browser must not be able to use it: a state-changing call from another origin (CSRF) and any call under
/// a DNS-rebound host name are refused before they act.
/// </summary>
public sealed class AdminRequestGuardTests
{
    private static async Task<HttpStatusCode> SendAsync(SfuHost host, HttpMethod method, string path, string? origin = null, string? hostName = null, string? bearer = null)
    {
        using var http = new HttpClient { BaseAddress = host.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(method, path);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (hostName is not null)
        {
            request.Headers.Host = $"{hostName}:{host.BaseUri.Port}";
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new("Bearer", bearer);
        }

        using HttpResponseMessage response = await http.SendAsync(request);
        return response.StatusCode;
    }

    [Fact]
    public async Task A_cross_origin_drain_or_close_from_a_page_on_the_operators_machine_is_refused()
    {
        await using var host = new SfuHost();
        await using WsClient ada = await host.ConnectAsync();
        await ada.JoinAsync("standup", "ada");

        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(host, HttpMethod.Post, "/api/admin/drain", origin: "https://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(host, HttpMethod.Delete, "/api/rooms/standup", origin: "https://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(host, HttpMethod.Delete, "/api/rooms/standup", origin: "null"));
        Assert.False(host.Services.GetRequiredService<DrainState>().IsDraining);
        Assert.NotNull(host.Services.GetRequiredService<RoomRegistry>().Find("standup"));

        // The operator's own tools still work: no Origin (curl), or the server's own pages.
        Assert.Equal(HttpStatusCode.OK, await SendAsync(host, HttpMethod.Post, "/api/admin/drain", origin: $"http://{host.BaseUri.Authority}"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(host, HttpMethod.Delete, "/api/admin/drain"));
    }

    [Fact]
    public async Task Any_api_call_under_a_dns_rebound_host_name_is_refused()
    {
        await using var host = new SfuHost();
        await using WsClient ada = await host.ConnectAsync();
        await ada.JoinAsync("standup", "ada");

        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(host, HttpMethod.Get, "/api/rooms", hostName: "rebind.evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(host, HttpMethod.Delete, "/api/rooms/standup",
            origin: $"http://rebind.evil.example:{host.BaseUri.Port}", hostName: "rebind.evil.example"));
        Assert.NotNull(host.Services.GetRequiredService<RoomRegistry>().Find("standup"));

        Assert.Equal(HttpStatusCode.OK, await SendAsync(host, HttpMethod.Get, "/api/rooms", hostName: "localhost"));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(host, HttpMethod.Get, "/api/rooms"));
    }

    [Fact]
    public async Task With_keys_a_valid_credential_from_another_origin_is_still_refused()
    {
        await using var host = new SfuHost(new() { [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret });
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(host, HttpMethod.Post, "/api/admin/drain", origin: "https://evil.example", bearer: RoomTokenServiceTests.Secret));
        Assert.False(host.Services.GetRequiredService<DrainState>().IsDraining);
        Assert.Equal(HttpStatusCode.OK, await SendAsync(host, HttpMethod.Post, "/api/admin/drain", bearer: RoomTokenServiceTests.Secret));
    }
}
