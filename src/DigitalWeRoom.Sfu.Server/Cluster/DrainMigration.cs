using System.Collections.Concurrent;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Health;

namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>
/// Drain migration (docs/cluster.md, Drain): once this node has been draining for <see cref="ClusterOptions.DrainMigrateAfter"/>,
/// each room it serves is claimed for the node <see cref="NodeSelector"/> picks among the others (compare-and-set on
/// this node's claim, so a room is handed over once) and its participants get a <c>redirect</c> to that node; the page
/// reconnects there and media follows. The room's <c>started</c> marker stays, so the new node sends no second
/// <c>room_started</c>, and this node sends no <c>room_finished</c> for a room it handed over. Runs on the heartbeat.
/// </summary>
internal sealed partial class DrainMigration(ClusterNode node, RoomRegistry rooms, DrainState drain, ILogger logger)
{
    private static readonly TimeSpan Remember = TimeSpan.FromHours(1);

    /// <summary>Rooms handed to another node, with when (Unix ms); a room that starts here again is forgotten.</summary>
    private readonly ConcurrentDictionary<string, long> _handedOver = new(StringComparer.Ordinal);
    private long _drainSeenAt;

    public bool WasHandedOver(string room) => _handedOver.ContainsKey(room);

    public void Forget(string room) => _handedOver.TryRemove(room, out _);

    /// <summary>One step, each heartbeat: nothing unless draining for longer than the grace; then every room not yet moved.</summary>
    public async Task StepAsync(ClusterStore store)
    {
        long now = node.NowUnixMs;
        foreach (var (room, at) in _handedOver)
        {
            if (now - at > Remember.TotalMilliseconds)
            {
                _handedOver.TryRemove(room, out _);
            }
        }

        if (node.Options.DrainMigrateAfter is not { } grace || !drain.IsDraining)
        {
            _drainSeenAt = 0;
            return;
        }

        if (_drainSeenAt == 0)
        {
            _drainSeenAt = now;
        }

        if (now - _drainSeenAt < grace.TotalMilliseconds)
        {
            return;
        }

        foreach (var snapshot in rooms.Snapshot())
        {
            if (snapshot.Participants.Count == 0 || _handedOver.ContainsKey(snapshot.Name) || rooms.Find(snapshot.Name) is not { } room)
            {
                continue;
            }

            var others = node.Nodes.Values.Where(n => n.Id != node.Id).ToArray();
            var counts = await store.ClaimedRoomCountsAsync([.. others.Select(n => n.Id)]);
            var target = NodeSelector.Pick(others.Select((n, i) => new NodeCandidate(n, counts[i])), node.Region, node.Options.CpuLimit);
            if (target is null || target.SocketUrl() is not { Length: > 0 } url)
            {
                LogNowhere(logger, snapshot.Name);
                return; // no serving node can take it now; the next heartbeat tries again
            }

            if (await store.ClaimAsync(snapshot.Name, target.Id, replaceOwner: node.Id) != target.Id)
            {
                continue; // the claim names a third node (a conflict): the heartbeat's conflict step sends the pages there
            }

            _handedOver[snapshot.Name] = now;
            node.Metrics.Placement("migrated");
            LogMigrating(logger, snapshot.Name, snapshot.Participants.Count, target.Id);
            await room.NotifyAllAsync(new SignalMessage { Type = MessageTypes.Redirect, Url = url, Reason = $"this server is draining; the room continues on node {target.Id}" });
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster drain: room '{Room}' ({Participants} participants) handed to node '{Target}'; its pages are told to reconnect there")]
    private static partial void LogMigrating(ILogger logger, string room, int participants, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster drain: no serving node can take room '{Room}' now; it stays here")]
    private static partial void LogNowhere(ILogger logger, string room);
}
