using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Health;

namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>
/// Where a join goes (docs/cluster.md). A room this node serves: here (even while draining). Else the room's claim in
/// Redis: held by this node, here; held by a live node, a <c>redirect</c> to that node's registered signaling URL;
/// held by a dead node (entry stale, or its health probe fails), taken over. No claim: the least loaded node is picked
/// and the room claimed for it atomically; a lost race redirects to the winner. Without Redis a new room is placed here
/// (logged, counted) unless this node is draining.
/// </summary>
internal sealed partial class ClusterPlacement(ClusterNode node, RoomRegistry rooms, DrainState drain, ClusterHttp http, ILogger<ClusterPlacement> logger)
    : IJoinPlacement
{
    /// <summary>Rooms redirected in the last seconds: a client back for the same room soon after could not reach the owner.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _redirected = new(StringComparer.OrdinalIgnoreCase);

    public async ValueTask<SignalMessage?> PlaceAsync(string room, string? token, string? messageId, CancellationToken cancellationToken)
    {
        if (rooms.Find(room) is not null && !node.Migration.WasHandedOver(room))
        {
            node.Metrics.Placement("local");
            return null;
        }

        if (node.Store is not { } store || !node.RedisUp)
        {
            return Fallback(room, messageId);
        }

        try
        {
            string? owner = await store.OwnerAsync(room);
            string? replace = null;
            if (owner == node.Id && !drain.IsDraining)
            {
                node.Metrics.Placement("local");
                return null;
            }

            if (owner == node.Id)
            {
                replace = owner; // placed here, but this node is draining now: place it again elsewhere
            }
            else if (owner is not null)
            {
                if (await LiveAsync(store, owner, cancellationToken, probe: RedirectedRecently(room)) is { } holder)
                {
                    NoteRedirect(room);
                    node.Metrics.Placement("redirect");
                    return Redirect(holder, token, messageId);
                }

                LogTakeover(logger, room, owner);
                replace = owner;
            }

            var nodes = node.Nodes.Values.Where(n => n.Id != node.Id).Append(node.LocalEntry()).ToArray();
            var counts = await store.ClaimedRoomCountsAsync([.. nodes.Select(n => n.Id)]);
            var chosen = NodeSelector.Pick(nodes.Select((n, i) => new NodeCandidate(n, counts[i])), node.Region, node.Options.CpuLimit);
            if (chosen is null)
            {
                node.Metrics.Placement("refused");
                return Refuse(ErrorCodes.TooManyRooms, "no node of this cluster can take a new room now; try again shortly", messageId);
            }

            string? winner = await store.ClaimAsync(room, chosen.Id, replace);
            node.Metrics.Placement(replace is null ? "placed" : "takeover");
            if (winner == node.Id)
            {
                return null;
            }

            if ((winner == chosen.Id ? chosen : await LiveAsync(store, winner ?? "", cancellationToken)) is { } target)
            {
                return Redirect(target, token, messageId);
            }

            return Refuse(ErrorCodes.ServerBusy, "the room is moving between nodes; try again", messageId);
        }
        catch (Exception e) when (ClusterNode.IsRedisFailure(e))
        {
            node.RedisFailed(e);
            return Fallback(room, messageId);
        }
    }

    /// <summary>The registry entry of <paramref name="id"/> if that node is alive: fresh entry, and a health probe when one heartbeat is overdue.</summary>
    private async Task<NodeEntry?> LiveAsync(ClusterStore store, string id, CancellationToken cancellationToken, bool probe = false)
    {
        if (!node.Nodes.TryGetValue(id, out var entry))
        {
            (await node.RefreshNodesAsync(store)).TryGetValue(id, out entry);
        }

        if (entry is null)
        {
            return null;
        }

        // Entries are 0-2 s old normally; an older one may be a node that was just killed: ask it directly (<1 s).
        long age = node.NowUnixMs - entry.At;
        if ((probe || age > node.Options.HeartbeatInterval.TotalMilliseconds * 1.25) && !await http.IsLiveAsync(entry, cancellationToken))
        {
            return null;
        }

        return entry;
    }

    private bool RedirectedRecently(string room) =>
        _redirected.TryGetValue(room, out long at) && node.NowUnixMs - at < 3 * node.Options.HeartbeatInterval.TotalMilliseconds;

    private void NoteRedirect(string room)
    {
        if (_redirected.Count > 10_000)
        {
            _redirected.Clear(); // a hint only: bounded, forgetting is harmless
        }

        _redirected[room] = node.NowUnixMs;
    }

    private SignalMessage? Fallback(string room, string? messageId)
    {
        if (drain.IsDraining)
        {
            return Refuse(ErrorCodes.Draining, $"this server is draining ({drain.Reason}) and the cluster registry is unreachable; try again shortly", messageId);
        }

        node.Metrics.LocalFallback();
        LogFallback(logger, room);
        return null;
    }

    private SignalMessage Redirect(NodeEntry target, string? token, string? messageId) => new()
    {
        Type = MessageTypes.Redirect,
        Url = target.SocketUrl(),
        Token = token,
        Room = null,
        Reason = $"the room is served by node {target.Id}",
        Id = messageId,
    };

    private static SignalMessage Refuse(string code, string reason, string? messageId) =>
        new() { Type = MessageTypes.Error, Code = code, Reason = reason, Id = messageId };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster: Redis unreachable; room '{Room}' placed on this node without the registry")]
    private static partial void LogFallback(ILogger logger, string room);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster: room '{Room}' was held by node '{Owner}', which is gone; placing it again")]
    private static partial void LogTakeover(ILogger logger, string room, string owner);
}
