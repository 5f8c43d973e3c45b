using System.Net;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Deploy;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Auth;

/// <summary>Metrics, stats (dashboard data), drain and the deploy bundle: admin-only once keys are set, open by default.</summary>
public sealed class AdminSurfaceTests
{
    private static HttpRequestMessage[] Requests() =>
    [
        new(HttpMethod.Get, "/metrics"),
        new(HttpMethod.Get, "/api/stats"),
        new(HttpMethod.Get, "/api/stats/rooms/nowhere"),
        new(HttpMethod.Post, "/deploy/bundle") { Content = DeployForm() },
        new(HttpMethod.Delete, "/api/admin/drain"),
    ];

    private static FormUrlEncodedContent DeployForm() => new(new Dictionary<string, string>
    {
        ["size"] = "small", ["location"] = "ghent", ["name"] = "myroom", ["domain"] = "ava.tf", ["ssh"] = "yes", ["ssh_key"] = BundleGoldenTests.TestKey,
    });

    /// <summary>The status a granted request gets: 200, or 404 for the stats of a room that does not exist.</summary>
    private static HttpStatusCode Granted(HttpRequestMessage request) =>
        request.RequestUri!.OriginalString.EndsWith("nowhere", StringComparison.Ordinal) ? HttpStatusCode.NotFound : HttpStatusCode.OK;

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, HttpRequestMessage request, string? bearer)
    {
        if (bearer is not null)
        {
            request.Headers.Authorization = new("Bearer", bearer);
        }

        using HttpResponseMessage response = await client.SendAsync(request);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            string body = await response.Content.ReadAsStringAsync();
            Assert.Contains("\"reason\"", body, StringComparison.Ordinal);
        }

        return response.StatusCode;
    }

    [Fact]
    public async Task With_keys_each_needs_an_admin_credential()
    {
        await using SfuHost host = new(new() { [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret });
        RoomTokenService tokens = host.Services.GetRequiredService<RoomTokenService>();
        string roomToken = tokens.Issue(new RoomTokenRequest("ada", null, new VideoGrant { Room = "standup", RoomAdmin = true })).Token;
        string serverAdmin = tokens.Issue(new RoomTokenRequest("ops", null, new VideoGrant { ServerAdmin = true })).Token;
        using HttpClient client = host.CreateClient();

        for (int i = 0; i < Requests().Length; i++)
        {
            string what = Requests()[i].RequestUri!.OriginalString;
            Assert.True(HttpStatusCode.Unauthorized == await SendAsync(client, Requests()[i], null), what + " without a credential");
            Assert.True(HttpStatusCode.Unauthorized == await SendAsync(client, Requests()[i], "0123456789abcdef0123456789abcdef-wrong"), what + " with a wrong secret");
            Assert.True(HttpStatusCode.Forbidden == await SendAsync(client, Requests()[i], roomToken), what + " with a room token");
            Assert.True(Granted(Requests()[i]) == await SendAsync(client, Requests()[i], RoomTokenServiceTests.Secret), what + " with the API secret");
            Assert.True(Granted(Requests()[i]) == await SendAsync(client, Requests()[i], serverAdmin), what + " with a serverAdmin token");
        }

        // The pages themselves hold no data and stay reachable; the key is asked for by the page.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/dashboard")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/deploy")).StatusCode);
    }

    [Fact]
    public async Task Without_keys_they_stay_open_to_a_local_caller()
    {
        await using SfuHost host = new();
        using HttpClient client = host.CreateClient();
        foreach (HttpRequestMessage request in Requests())
        {
            HttpStatusCode expected = Granted(request);
            Assert.True(expected == await SendAsync(client, request, null), request.RequestUri!.OriginalString);
        }
    }
}
