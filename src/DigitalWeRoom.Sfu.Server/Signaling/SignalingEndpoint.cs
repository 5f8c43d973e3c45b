using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>The signaling WebSocket at <c>/ws</c> (protocol: docs/signaling.md).</summary>
public static class SignalingEndpoint
{
    public const string Path = "/ws";

    public static IEndpointConventionBuilder MapSignaling(this IEndpointRouteBuilder endpoints) =>
        endpoints.Map(Path, HandleAsync);

    private static async Task HandleAsync(HttpContext context, RoomRegistry rooms, JoinRateLimiter joinLimiter,
        IOptions<SfuOptions> options, TimeProvider time, ILoggerFactory loggerFactory, Auth.IJoinAuthorizer joinAuthorizer,
        Health.DrainState drain, Health.DrainCoordinator drainCoordinator)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            await context.Response.WriteAsync("WebSocket only: see docs/signaling.md");
            return;
        }

        // Before the upgrade: a refused client costs no WebSocket (docs/security.md, issue #12 finding 5).
        if (!context.RequestServices.GetRequiredService<Networking.OriginPolicy>().IsAllowed(context, out string why))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync(why);
            return;
        }

        ConnectionAdmission admission = context.RequestServices.GetRequiredService<ConnectionLimiter>()
            .TryEnter(context.Connection.RemoteIpAddress, out IDisposable? place);
        if (admission != ConnectionAdmission.Admitted)
        {
            bool serverFull = admission == ConnectionAdmission.ServerFull;
            context.Response.StatusCode = serverFull ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "10";
            await context.Response.WriteAsync(serverFull
                ? $"the server has {options.Value.Limits.MaxConnections} signaling connections open (Sfu:Limits:MaxConnections); try again shortly"
                : $"your address has {options.Value.Limits.ConnectionsPerIp} signaling connections open (Sfu:Limits:ConnectionsPerIp)");
            return;
        }

        using IDisposable _ = place!;

        var msgpack = context.WebSockets.WebSocketRequestedProtocols.Contains(SignalingCodec.MessagePackSubprotocol);
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
        {
            SubProtocol = msgpack ? SignalingCodec.MessagePackSubprotocol : null,
            KeepAliveInterval = TimeSpan.FromSeconds(15),
            KeepAliveTimeout = TimeSpan.FromSeconds(15),
        });

        var connection = new SignalingConnection(socket, msgpack ? SignalEncoding.MessagePack : SignalEncoding.Json,
            context.Connection.RemoteIpAddress, options.Value, rooms, joinLimiter,
            new IceServerRefresh(IceServersFor(context, options.Value), context.RequestServices.GetService<Turn.TurnRestCredentials>(), time), time,
            loggerFactory.CreateLogger("DigitalWeRoom.Sfu.Server.Signaling"))
        {
            JoinAuthorizer = joinAuthorizer,
            Drops = context.RequestServices.GetService<Telemetry.SignalingDrops>(),
            QueryToken = context.Request.Query["access_token"].ToString(),
            Drain = drain,
            Placement = context.RequestServices.GetService<Cluster.IJoinPlacement>(),
        };
        // After a shutdown's drain the connections still open are ended, so the web server can stop.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, drainCoordinator.Closing);
        await connection.RunAsync(ended.Token);
    }

    /// <summary>The configured ICE servers, or this server's own UDP port as STUN server at the host the page came from.</summary>
    internal static IReadOnlyList<IceServerInfo> IceServersFor(HttpContext context, SfuOptions options)
    {
        if (options.IceServers.Count > 0)
        {
            return options.IceServers
                .Select(s => new IceServerInfo { Urls = [.. s.Urls], Username = s.Username, Credential = s.Credential })
                .ToArray();
        }

        var host = context.Request.Host.Host;
        if (string.IsNullOrEmpty(host) || options.Udp.Port == 0)
        {
            return [];
        }

        if (host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('['))
        {
            host = "[" + host + "]";
        }

        return [new IceServerInfo { Urls = [$"stun:{host}:{options.Udp.Port}"] }];
    }
}
