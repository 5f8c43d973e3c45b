using DigitalWeRoom.Sfu.Server.Options;
using DigitalWeRoom.Sfu.Server.Telemetry;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using DigitalWeRoom.Sfu.Server.Endpoints;

namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>The cluster's wiring: one call each side in Program.cs; nothing is registered unless <c>Sfu:Cluster:Redis</c> is set.</summary>
public static class ClusterExtensions
{
    public static WebApplicationBuilder AddSfuCluster(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(ClusterOptions.SectionName);
        builder.Services.AddOptions<ClusterOptions>().Bind(section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        if (section.Get<ClusterOptions>() is not { Enabled: true } cluster)
        {
            return builder;
        }

        // One name everywhere: the registry's node id is also the metrics' node_id label; the advertised media
        // addresses are the ICE candidates unless Sfu:Udp:AnnouncedAddresses says otherwise.
        builder.Services.PostConfigure<TelemetryOptions>(t =>
        {
            if (string.IsNullOrWhiteSpace(t.NodeId) && !string.IsNullOrWhiteSpace(cluster.NodeId))
            {
                t.NodeId = cluster.NodeId;
            }
        });
        builder.Services.PostConfigure<SfuOptions>(o =>
        {
            if (o.Udp.AnnouncedAddresses.Count == 0 && cluster.MediaAddresses.Count > 0)
            {
                o.Udp.AnnouncedAddresses = [.. cluster.MediaAddresses];
            }
        });
        builder.Services.AddSingleton<ClusterHttp>();
        builder.Services.AddSingleton<ClusterNode>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClusterNode>());
        builder.Services.AddSingleton<Webhooks.IRoomLifecycleGate>(sp => sp.GetRequiredService<ClusterNode>());
        builder.Services.AddSingleton<IJoinPlacement, ClusterPlacement>();
        builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddMeter(ClusterMetrics.MeterName));
        return builder;
    }

    /// <summary>Routes Room API calls to the node serving the room; <c>GET /api/cluster/nodes</c> (signaling URLs of live nodes) and <c>GET /api/cluster</c> (admin: full entries, the dashboard's node table).</summary>
    public static WebApplication UseSfuCluster(this WebApplication app)
    {
        if (app.Services.GetService<ClusterNode>() is null)
        {
            return app;
        }

        app.Use((context, next) =>
        {
            AllowNodeSockets(context);
            return ClusterRoomApi.InvokeAsync(context, () => next(context));
        });
        app.MapGet("/api/cluster/nodes", (ClusterNode node) =>
            Results.Json(node.Nodes.Values.Append(node.LocalEntry()).DistinctBy(n => n.Id).OrderBy(n => n.Id, StringComparer.Ordinal)
                .Select(n => new ClusterNodeSummary(n.Id, n.Region, n.State, n.SocketUrl())), ApiJsonContext.Default.IEnumerableClusterNodeSummary));
        app.MapGet("/api/cluster", async (HttpContext context, ClusterNode node, Auth.AdminAuthorization admin) =>
        {
            if (admin.Authorize(context) is { IsGranted: false } denied)
            {
                return denied.ToResult();
            }

            // Read the registry now (one call), not the last heartbeat's copy: the dashboard's table is that fresh.
            var nodes = node.Nodes;
            if (node.Store is { } store && node.RedisUp)
            {
                try
                {
                    nodes = await node.RefreshNodesAsync(store);
                }
                catch (Exception e) when (ClusterNode.IsRedisFailure(e))
                {
                    node.RedisFailed(e);
                }
            }

            // The dashboard's "last seen" is now - at, both from node clocks.
            return Results.Json(new ClusterView(node.Id, node.RedisUp, node.NowUnixMs,
                nodes.Values.Where(n => n.Id != node.Id).Append(node.LocalEntry()).OrderBy(n => n.Id, StringComparer.Ordinal)), ApiJsonContext.Default.ClusterView);
        });
        return app;
    }

    /// <summary>The page's policy (MeetingPage) lets it connect to its own origin only; add the live nodes' signaling sockets, the redirect targets.</summary>
    private static void AllowNodeSockets(HttpContext context)
    {
        string policy = context.Response.Headers.ContentSecurityPolicy.ToString();
        if (!policy.Contains("connect-src 'self'", StringComparison.Ordinal) || context.RequestServices.GetService<ClusterNode>() is not { } node)
        {
            return;
        }

        var origins = node.Nodes.Values.Where(n => n.Id != node.Id).Select(n => n.SocketUrl()).Where(u => u.Length > 0)
            .Select(u => new Uri(u).GetLeftPart(UriPartial.Authority)).Distinct(StringComparer.Ordinal);
        context.Response.Headers.ContentSecurityPolicy = policy.Replace("connect-src 'self'", string.Join(' ', ["connect-src 'self'", .. origins]), StringComparison.Ordinal);
    }
}
