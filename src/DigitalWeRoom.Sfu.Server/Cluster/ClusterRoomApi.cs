using System.Text.Json;
using System.Text.Json.Nodes;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Endpoints;

namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>
/// The Room API for the whole cluster, from any node (docs/cluster.md): <c>GET /api/rooms</c> asks every live node for
/// its rooms (one HTTP call each, with the caller's credential) and lists them together, each with its <c>node</c>; a
/// call on one room that another node serves (remove, mute, close, participants) is forwarded to that node's registered
/// URL and its answer returned as is. The caller is authorized here first, and again by the owner. A forwarded request
/// carries <see cref="ClusterHttp.HopHeader"/> and is answered locally, so nothing is forwarded twice.
/// </summary>
internal static partial class ClusterRoomApi
{
    private const string Prefix = "/api/rooms";
    private const int MaxBodyBytes = 64 * 1024;

    public static async Task InvokeAsync(HttpContext context, Func<Task> next)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments(Prefix, out var rest) || context.Request.Headers.ContainsKey(ClusterHttp.HopHeader)
            || context.RequestServices.GetService<ClusterNode>() is not { } node)
        {
            await next();
            return;
        }

        var admin = context.RequestServices.GetRequiredService<AdminAuthorization>();
        var http = context.RequestServices.GetRequiredService<ClusterHttp>();
        if (!rest.HasValue || rest.Value == "/")
        {
            if (!HttpMethods.IsGet(context.Request.Method))
            {
                await next();
                return;
            }

            if (admin.Authorize(context) is { IsGranted: false } denied)
            {
                await denied.ToResult().ExecuteAsync(context);
                return;
            }

            await Results.Json(await ListAllAsync(context, node, http), ApiJsonContext.Default.JsonArray).ExecuteAsync(context);
            return;
        }

        string room = Uri.UnescapeDataString(rest.Value!.TrimStart('/').Split('/')[0]);
        var rooms = context.RequestServices.GetRequiredService<RoomRegistry>();
        if (rooms.Find(room) is not null || node.Store is not { } store || !node.RedisUp)
        {
            await next();
            return;
        }

        NodeEntry? owner = null;
        try
        {
            if (await store.OwnerAsync(room) is { } id && id != node.Id)
            {
                owner = node.Nodes.GetValueOrDefault(id) ?? (await node.RefreshNodesAsync(store)).GetValueOrDefault(id);
            }
        }
        catch (Exception e) when (ClusterNode.IsRedisFailure(e))
        {
            node.RedisFailed(e);
        }

        if (owner is null)
        {
            await next();
            return;
        }

        if (admin.Authorize(context, room) is { IsGranted: false } refused)
        {
            await refused.ToResult().ExecuteAsync(context);
            return;
        }

        await ForwardAsync(context, owner, http);
    }

    private static async Task<JsonArray> ListAllAsync(HttpContext context, ClusterNode node, ClusterHttp http)
    {
        var rooms = context.RequestServices.GetRequiredService<RoomRegistry>();
        var all = new JsonArray();
        AddAll(all, JsonSerializer.SerializeToNode(rooms.Snapshot(), ApiJsonContext.Default.IReadOnlyListRoomSnapshot), node.Id);
        var others = node.Nodes.Values.Where(n => n.Id != node.Id).ToArray();
        var answers = await Task.WhenAll(others.Select(async n =>
        {
            try
            {
                // A slow node must not hold up the whole list: it is left out after 2 s (and logged).
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                using var request = Request(HttpMethod.Get, n, Prefix + context.Request.QueryString, context);
                using var response = await http.Client.SendAsync(request, timeout.Token);
                return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync(timeout.Token)) : null;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException)
            {
                LogUnreachable(context.RequestServices.GetRequiredService<ILogger<ClusterNode>>(), n.Id, e.Message);
                return null;
            }
        }));
        for (int i = 0; i < others.Length; i++)
        {
            AddAll(all, answers[i], others[i].Id);
        }

        return all;
    }

    private static void AddAll(JsonArray all, JsonNode? rooms, string nodeId)
    {
        if (rooms is not JsonArray array)
        {
            return;
        }

        foreach (var room in array.ToArray())
        {
            array.Remove(room);
            if (room is JsonObject o)
            {
                o["node"] = nodeId;
                all.Add((JsonNode)o); // The JsonNode overload: the generic one would wrap the object by reflection.
            }
        }
    }

    private static async Task ForwardAsync(HttpContext context, NodeEntry owner, ClusterHttp http)
    {
        using var request = Request(new HttpMethod(context.Request.Method), owner, context.Request.Path + context.Request.QueryString, context);
        if (context.Request.ContentLength is > 0 and <= MaxBodyBytes || context.Request.ContentLength is null && !HttpMethods.IsGet(context.Request.Method))
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            if (buffer.Length > MaxBodyBytes)
            {
                context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
                return;
            }

            request.Content = new ByteArrayContent(buffer.ToArray());
            if (context.Request.ContentType is { } type)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", type);
            }
        }

        try
        {
            using var response = await http.Client.SendAsync(request, context.RequestAborted);
            context.Response.StatusCode = (int)response.StatusCode;
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            context.Response.Headers["X-Dwr-Node"] = owner.Id;
            await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            await ApiError.Result(StatusCodes.Status502BadGateway, "node-unreachable", $"node '{owner.Id}' serving this room did not answer: {e.Message}")
                .ExecuteAsync(context);
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, NodeEntry node, string pathAndQuery, HttpContext context)
    {
        NodeIds.IsValidBaseUrl(node.SignalingUrl, out var baseUrl);
        var request = new HttpRequestMessage(method, new Uri(baseUrl!, pathAndQuery));
        request.Headers.TryAddWithoutValidation(ClusterHttp.HopHeader, "1");
        if (context.Request.Headers.Authorization.ToString() is { Length: > 0 } auth)
        {
            request.Headers.TryAddWithoutValidation("Authorization", auth);
        }

        return request;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster: node '{Node}' did not answer the room list: {Error}")]
    private static partial void LogUnreachable(ILogger logger, string node, string error);
}
