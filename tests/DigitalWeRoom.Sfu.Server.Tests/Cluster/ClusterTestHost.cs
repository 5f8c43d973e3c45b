using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.Server.Tests.Cluster;

/// <summary>One cluster node: the real host on Kestrel at 127.0.0.1 on a port chosen first (it advertises its URL), joined to a real Redis.</summary>
internal sealed class ClusterTestHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings;

    public ClusterTestHost(string nodeId, RedisServer redis, Dictionary<string, string?>? settings = null)
    {
        NodeId = nodeId;
        Port = FreePort();
        _settings = new Dictionary<string, string?>
        {
            ["Sfu:Cluster:Redis"] = redis.ConnectionString,
            ["Sfu:Cluster:NodeId"] = nodeId,
            ["Sfu:Cluster:SignalingUrl"] = BaseUri.ToString(),
            ["Sfu:Limits:JoinsPerIpPerMinute"] = "1000",
            ["Sfu:DrainTimeout"] = "00:00:00",
        };
        foreach (var (k, v) in settings ?? [])
        {
            _settings[k] = v;
        }

        UseKestrel();
        StartServer();
    }

    public string NodeId { get; }

    public int Port { get; }

    public Uri BaseUri => new($"http://127.0.0.1:{Port}/");

    public Uri WebSocketUri => new($"ws://127.0.0.1:{Port}/ws");

    public RoomRegistry Rooms => Services.GetRequiredService<RoomRegistry>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("urls", $"http://127.0.0.1:{Port}");
        builder.UseSetting("Sfu:Udp:Port", "0");
        builder.UseSetting("Sfu:Udp:BindAddress", "127.0.0.1");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public static async Task<WsClient> ConnectAsync(Uri ws)
    {
        var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(ws, timeout.Token);
        return new WsClient(socket, SignalEncoding.Json);
    }

    /// <summary>
    /// Joins <paramref name="room"/> through this node and follows a <c>redirect</c> as the page does: the client, the
    /// redirect received (null: joined here) and the URL it joined at.
    /// </summary>
    public Task<(WsClient Client, SignalMessage? Redirect, Uri JoinedAt)> JoinAsync(string room, string name, string? token = null) =>
        JoinThroughAsync(WebSocketUri, room, name, token, NodeId);

    /// <summary>Joins <paramref name="room"/> through the node at <paramref name="entry"/> and follows redirects as the page does.</summary>
    public static async Task<(WsClient Client, SignalMessage? Redirect, Uri JoinedAt)> JoinThroughAsync(Uri entry, string room, string name, string? token, string label)
    {
        var ws = entry;
        SignalMessage? redirect = null;
        for (int hop = 0; hop < 3; hop++)
        {
            var client = await ConnectAsync(ws);
            await client.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = room, Name = name, P2p = true, Token = token });
            var reply = await client.WaitForAsync("*", m => m.Type is MessageTypes.Joined or MessageTypes.Redirect or MessageTypes.Error);
            if (reply.Type == MessageTypes.Joined)
            {
                return (client, redirect, ws);
            }

            await client.DisposeAsync();
            Assert.True(reply.Type == MessageTypes.Redirect, $"join of {room} through {label} refused: {reply.Code} {reply.Reason}");
            redirect = reply;
            ws = new Uri(reply.Url!);
        }

        throw new InvalidOperationException("more than 3 redirects");
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
