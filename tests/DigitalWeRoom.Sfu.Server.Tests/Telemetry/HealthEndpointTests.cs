using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using DigitalWeRoom.Sfu.Server.Health;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Telemetry;

/// <summary><c>/healthz/live</c> and <c>/healthz/ready</c>: draining and a failed UDP bind make the node not ready.</summary>
public sealed class HealthEndpointTests : IAsyncLifetime
{
    private SfuHost _host = null!;
    private HttpClient _http = null!;

    public Task InitializeAsync()
    {
        _host = TelemetryHost.Start();
        _http = new HttpClient { BaseAddress = _host.BaseUri };
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> ReadyAsync()
    {
        using var response = await _http.GetAsync("/healthz/ready");
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task Live_and_ready_answer_200_with_each_check()
    {
        using var live = await _http.GetAsync("/healthz/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        var (status, body) = await ReadyAsync();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal(["control-loops", "drain", "udp"], body.GetProperty("checks").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Draining_makes_the_node_not_ready_but_still_live()
    {
        using (var drain = await _http.PostAsync("/api/admin/drain", null))
        {
            Assert.Equal(HttpStatusCode.OK, drain.StatusCode);
        }

        var (status, body) = await ReadyAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("unhealthy", body.GetProperty("checks").GetProperty("drain").GetProperty("status").GetString());
        Assert.Contains("draining", body.GetProperty("checks").GetProperty("drain").GetProperty("description").GetString(), StringComparison.Ordinal);
        using (var live = await _http.GetAsync("/healthz/live"))
        {
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        using (var undrain = await _http.DeleteAsync("/api/admin/drain"))
        {
            Assert.Equal(HttpStatusCode.OK, undrain.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync()).Status);
    }

    [Fact]
    public async Task A_udp_port_that_cannot_be_bound_makes_the_node_not_ready()
    {
        using var occupant = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        occupant.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var taken = (IPEndPoint)occupant.LocalEndPoint!;
        var state = _host.Services.GetRequiredService<MediaSocketState>();

        var error = Assert.Throws<SocketException>(() => state.Track(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                socket.Bind(taken);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }, s => (IPEndPoint)s.LocalEndPoint!));
        Assert.Equal(SocketError.AddressAlreadyInUse, error.SocketErrorCode);

        var (status, body) = await ReadyAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var udp = body.GetProperty("checks").GetProperty("udp");
        Assert.Equal("unhealthy", udp.GetProperty("status").GetString());
        Assert.Contains("AddressAlreadyInUse", udp.GetProperty("description").GetString(), StringComparison.Ordinal);

        // The media path comes up on a free port: ready again.
        using var bound = state.Track(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return socket;
        }, s => (IPEndPoint)s.LocalEndPoint!);
        Assert.Equal(HttpStatusCode.OK, (await ReadyAsync()).Status);
    }

    [Fact]
    public async Task Drain_requires_the_admin_key_when_one_is_configured()
    {
        await using var host = TelemetryHost.Start(new() { ["Sfu:AdminKey"] = "0123456789abcdef-admin" });
        using var http = new HttpClient { BaseAddress = host.BaseUri };
        using (var anonymous = await http.PostAsync("/api/admin/drain", null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var stats = await http.GetAsync("/api/stats"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, stats.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/admin/drain");
        request.Headers.Authorization = new("Bearer", "0123456789abcdef-admin");
        using (var authorized = await http.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        }

        using var ready = await http.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }
}
