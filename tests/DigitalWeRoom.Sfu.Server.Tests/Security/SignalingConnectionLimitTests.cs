using System.Net;
using System.Net.WebSockets;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Signaling;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;

namespace DigitalWeRoom.Sfu.Server.Tests.Security;

/// <summary>
/// Finding 5 of issue #12: signaling WebSockets are bounded per client address and in total, refused before the
/// upgrade with a status that says why; an idle connection holds no receive buffer; a browser page from another
/// origin cannot open one.
/// </summary>
[Collection(nameof(ReceiveBufferCollection))]
public sealed class SignalingConnectionLimitTests
{
    private static async Task<(ClientWebSocket? Socket, HttpStatusCode Status)> TryConnectAsync(SfuHost host, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        configure?.Invoke(socket.Options);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await socket.ConnectAsync(host.WebSocketUri, timeout.Token);
            return (socket, socket.HttpStatusCode);
        }
        catch (WebSocketException)
        {
            HttpStatusCode status = socket.HttpStatusCode;
            socket.Dispose();
            return (null, status);
        }
    }

    private static Action<ClientWebSocketOptions> From(string client) => o => o.SetRequestHeader("X-Forwarded-For", client);

    [Fact]
    public async Task Connections_over_the_per_address_cap_get_429_before_the_upgrade_and_other_addresses_still_connect()
    {
        await using var host = new SfuHost(new() { ["Sfu:Limits:ConnectionsPerIp"] = "3", ["Proxy:TrustedProxies:0"] = "127.0.0.1" });
        var open = new List<ClientWebSocket>();
        for (int i = 0; i < 3; i++)
        {
            (ClientWebSocket? socket, HttpStatusCode status) = await TryConnectAsync(host, From("198.51.100.1"));
            Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
            open.Add(socket!);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await TryConnectAsync(host, From("198.51.100.1"))).Status);
        (ClientWebSocket? other, HttpStatusCode otherStatus) = await TryConnectAsync(host, From("198.51.100.2"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, otherStatus);
        other!.Dispose();

        // A connection that ends gives its place back.
        await open[0].CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        open[0].Dispose();
        HttpStatusCode again = HttpStatusCode.TooManyRequests;
        for (int i = 0; i < 50 && again != HttpStatusCode.SwitchingProtocols; i++)
        {
            await Task.Delay(50);
            (ClientWebSocket? retry, again) = await TryConnectAsync(host, From("198.51.100.1"));
            retry?.Dispose();
        }

        Assert.Equal(HttpStatusCode.SwitchingProtocols, again);
        open.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task Connections_over_the_global_cap_get_503()
    {
        await using var host = new SfuHost(new() { ["Sfu:Limits:MaxConnections"] = "2", ["Proxy:TrustedProxies:0"] = "127.0.0.1" });
        (ClientWebSocket? a, _) = await TryConnectAsync(host, From("198.51.100.1"));
        (ClientWebSocket? b, _) = await TryConnectAsync(host, From("198.51.100.2"));
        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await TryConnectAsync(host, From("198.51.100.3"))).Status);
        a!.Dispose();
        b!.Dispose();
    }

    [Fact]
    public async Task Idle_connections_hold_no_receive_buffer_until_a_message_arrives()
    {
        await using var host = new SfuHost();
        var clients = new List<WsClient>();
        for (int i = 0; i < 10; i++)
        {
            WsClient client = await host.ConnectAsync();
            await client.SendAsync(new SignalMessage { Type = MessageTypes.Ping, Id = "p" });
            await client.WaitForAsync(MessageTypes.Pong);
            clients.Add(client);
        }

        Assert.Equal(0, SignalingMessageReader.BuffersHeld);

        // Half a message: now one buffer is held, and given back once the message is complete.
        byte[] ping = System.Text.Encoding.UTF8.GetBytes("""{"type":"ping","id":"half"}""");
        await clients[0].Socket.SendAsync(ping.AsMemory(0, 5), WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
        await WaitUntilAsync(() => SignalingMessageReader.BuffersHeld == 1);
        await clients[0].Socket.SendAsync(ping.AsMemory(5), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        await clients[0].WaitForAsync(MessageTypes.Pong, m => m.Id == "half");
        await WaitUntilAsync(() => SignalingMessageReader.BuffersHeld == 0);
        foreach (WsClient client in clients)
        {
            await client.DisposeAsync();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (int i = 0; i < 100 && !condition(); i++)
        {
            await Task.Delay(20);
        }

        Assert.True(condition());
    }

    [Theory]
    [InlineData("https://evil.example", false)]
    [InlineData("http://127.0.0.1.evil.example", false)]
    [InlineData("null", false)]
    [InlineData("https://meet.example.org", true)] // configured
    [InlineData("http://localhost:5173", true)]    // a local page, the request from loopback
    [InlineData(null, true)]                       // not a browser: no Origin
    public async Task Only_allowed_origins_may_open_the_socket(string? origin, bool allowed)
    {
        await using var host = new SfuHost(new() { ["Sfu:Http:AllowedOrigins:0"] = "https://meet.example.org" });
        (ClientWebSocket? socket, HttpStatusCode status) = await TryConnectAsync(host, o =>
        {
            if (origin is not null)
            {
                o.SetRequestHeader("Origin", origin);
            }
        });
        Assert.Equal(allowed ? HttpStatusCode.SwitchingProtocols : HttpStatusCode.Forbidden, status);
        socket?.Dispose();
    }

    [Fact]
    public async Task The_page_own_origin_is_allowed()
    {
        await using var host = new SfuHost();
        string own = $"http://{host.BaseUri.Authority}";
        (ClientWebSocket? socket, HttpStatusCode status) = await TryConnectAsync(host, o => o.SetRequestHeader("Origin", own));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, status);
        socket?.Dispose();
    }

    [Fact]
    public async Task A_dns_rebound_host_name_from_loopback_is_refused()
    {
        await using var host = new SfuHost();
        using var http = new HttpClient { BaseAddress = host.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/ws");
        request.Headers.Host = $"rebind.evil.example:{host.BaseUri.Port}";
        request.Headers.Add("Origin", $"http://rebind.evil.example:{host.BaseUri.Port}");
        request.Headers.Add("Connection", "Upgrade");
        request.Headers.Add("Upgrade", "websocket");
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(new byte[16]));
        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}

/// <summary>Tests that read the process-wide receive-buffer count run one at a time.</summary>
[CollectionDefinition(nameof(ReceiveBufferCollection), DisableParallelization = true)]
public sealed class ReceiveBufferCollection;
