using StackExchange.Redis;

namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>
/// Every Redis operation of the cluster, on these keys (prefix <see cref="ClusterOptions.KeyPrefix"/>):
/// <list type="bullet">
/// <item><c>node:{id}</c>: the node's <see cref="NodeEntry"/> JSON, expiring after StaleAfter; <c>nodes</c>: set of ids.</item>
/// <item><c>room:{name}</c>: the owning node's id, expiring after ClaimTtl unless renewed (the claim).</item>
/// <item><c>rooms:{id}</c>: set of the rooms claimed for a node (its live room count for placement).</item>
/// <item><c>started:{name}</c>: the room's <c>room_started</c> webhook was sent; deleted with the last release (webhooks once per room);
/// <c>started-rooms</c>: the set of those rooms; <c>orphan:{name}</c>: when the sweep first saw the room without a claim.</item>
/// </list>
/// Claims, renewals and releases are Lua scripts, so each is one atomic step on the Redis server.
/// </summary>
internal sealed class ClusterStore(IDatabase db, ClusterOptions options)
{
    /// <summary>KEYS: claim, rooms-set of new owner, rooms-set of replaced owner. ARGV: node, ttl ms, owner that may be replaced ("" none), room.</summary>
    private const string ClaimScript = """
        local cur = redis.call('GET', KEYS[1])
        if (not cur) or (ARGV[3] ~= '' and cur == ARGV[3]) then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          redis.call('SADD', KEYS[2], ARGV[4])
          if cur then redis.call('SREM', KEYS[3], ARGV[4]) end
          return ARGV[1]
        end
        return cur
        """;

    /// <summary>
    /// KEYS: rooms-set of this node, then one claim key per room. ARGV: node, ttl ms, then the room names. Renews claims
    /// held by this node, re-creates missing ones (expired, or Redis restarted), and answers the rooms another node holds.
    /// </summary>
    private const string RenewScript = """
        local lost = {}
        redis.call('DEL', KEYS[1])
        for i = 2, #KEYS do
          local cur = redis.call('GET', KEYS[i])
          if (not cur) or cur == ARGV[1] then
            redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
            redis.call('SADD', KEYS[1], ARGV[i + 1])
          else
            table.insert(lost, ARGV[i + 1])
            table.insert(lost, cur)
          end
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return lost
        """;

    /// <summary>
    /// KEYS: claim, rooms-set, started marker, started set. ARGV: node, room, "1" to keep the marker (the room moved on). Compare-and-delete:
    /// only the owner (or nobody) releases.
    /// </summary>
    private const string ReleaseScript = """
        local cur = redis.call('GET', KEYS[1])
        redis.call('SREM', KEYS[2], ARGV[2])
        if (not cur) or cur == ARGV[1] then
          redis.call('DEL', KEYS[1])
          if ARGV[3] ~= '1' then
            redis.call('DEL', KEYS[3])
            redis.call('SREM', KEYS[4], ARGV[2])
          end
          return 1
        end
        return 0
        """;

    /// <summary>
    /// KEYS: started set. ARGV: key prefix, grace ms, rooms per sweep. For up to that many rooms with a started marker:
    /// a claim exists, forget any orphan time; none, note the first time seen without one (Redis clock); none for the
    /// grace, delete the marker and answer the room (its room_finished is due, sent by the one caller that got it).
    /// The per-room keys are built here from the prefix (this needs a single Redis server, not Redis Cluster).
    /// </summary>
    private const string SweepScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local grace = tonumber(ARGV[2])
        local finished = {}
        for _, room in ipairs(redis.call('SRANDMEMBER', KEYS[1], ARGV[3])) do
          local orphan = ARGV[1] .. 'orphan:' .. room
          if redis.call('EXISTS', ARGV[1] .. 'started:' .. room) == 0 then
            redis.call('SREM', KEYS[1], room)
            redis.call('DEL', orphan)
          elseif redis.call('EXISTS', ARGV[1] .. 'room:' .. room) == 1 then
            redis.call('DEL', orphan)
          else
            local since = redis.call('GET', orphan)
            if not since then
              redis.call('SET', orphan, now, 'PX', grace * 4)
            elseif now - tonumber(since) >= grace then
              redis.call('DEL', orphan, ARGV[1] .. 'started:' .. room)
              redis.call('SREM', KEYS[1], room)
              table.insert(finished, room)
            end
          end
        end
        return finished
        """;

    private static readonly TimeSpan StartedMarkerTtl = TimeSpan.FromHours(24);

    private string P => options.KeyPrefix;

    private RedisKey NodesKey => P + "nodes";

    private RedisKey NodeKey(string id) => P + "node:" + id;

    private RedisKey RoomKey(string room) => P + "room:" + room;

    private RedisKey RoomsOfKey(string id) => P + "rooms:" + id;

    private RedisKey StartedKey(string room) => P + "started:" + room;

    private RedisKey StartedSetKey => P + "started-rooms";

    public async Task PublishAsync(NodeEntry entry)
    {
        var batch = db.CreateBatch();
        var set = batch.StringSetAsync(NodeKey(entry.Id), entry.ToJson(), options.StaleAfter);
        var add = batch.SetAddAsync(NodesKey, entry.Id);
        batch.Execute();
        await Task.WhenAll(set, add);
    }

    public Task RemoveNodeAsync(string id) =>
        Task.WhenAll(db.KeyDeleteAsync(NodeKey(id)), db.SetRemoveAsync(NodesKey, id), db.KeyDeleteAsync(RoomsOfKey(id)));

    /// <summary>The registry as stored: each id with its raw entry text (null: expired); ids whose entry expired are pruned.</summary>
    public async Task<IReadOnlyList<(string Id, string? Json)>> ReadNodesAsync()
    {
        var ids = (await db.SetMembersAsync(NodesKey)).Select(v => (string?)v).OfType<string>().Take(1024).ToArray();
        if (ids.Length == 0)
        {
            return [];
        }

        var values = await db.StringGetAsync([.. ids.Select(NodeKey)]);
        var result = new List<(string, string?)>(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            string? json = values[i].IsNull ? null : (string?)values[i];
            if (json is null)
            {
                _ = db.SetRemoveAsync(NodesKey, ids[i], CommandFlags.FireAndForget);
            }

            result.Add((ids[i], json));
        }

        return result;
    }

    /// <summary>Rooms claimed for each node (SCARD), the placement's fresh load figure between heartbeats.</summary>
    public async Task<long[]> ClaimedRoomCountsAsync(IReadOnlyList<string> ids)
    {
        var batch = db.CreateBatch();
        var counts = ids.Select(id => batch.SetLengthAsync(RoomsOfKey(id))).ToArray();
        batch.Execute();
        return await Task.WhenAll(counts);
    }

    public async Task<string?> OwnerAsync(string room) => await db.StringGetAsync(RoomKey(room));

    /// <summary>Claims <paramref name="room"/> for <paramref name="node"/> unless another holds it; answers the holder after the call.</summary>
    public async Task<string?> ClaimAsync(string room, string node, string? replaceOwner = null)
    {
        var result = await db.ScriptEvaluateAsync(ClaimScript,
            [RoomKey(room), RoomsOfKey(node), RoomsOfKey(replaceOwner ?? node)],
            [node, (long)options.ClaimTtl.TotalMilliseconds, replaceOwner ?? "", room]);
        return (string?)result;
    }

    /// <summary>Renews this node's claims on <paramref name="rooms"/>; answers (room, holder) for each room another node holds.</summary>
    public async Task<IReadOnlyList<(string Room, string Owner)>> RenewAsync(string node, IReadOnlyList<string> rooms)
    {
        RedisKey[] keys = [RoomsOfKey(node), .. rooms.Select(RoomKey)];
        RedisValue[] args = [node, (long)options.ClaimTtl.TotalMilliseconds, .. rooms.Select(r => (RedisValue)r)];
        var result = await db.ScriptEvaluateAsync(RenewScript, keys, args);
        var flat = (RedisResult[]?)result ?? [];
        var lost = new List<(string, string)>();
        for (int i = 0; i + 1 < flat.Length; i += 2)
        {
            lost.Add(((string?)flat[i] ?? "", (string?)flat[i + 1] ?? ""));
        }

        return lost;
    }

    /// <summary>
    /// Releases the claim if this node still holds it (compare-and-delete); true when it was ours or already gone. The
    /// room's <c>started</c> marker goes with it unless <paramref name="keepStarted"/> (the room was handed to another node).
    /// </summary>
    public async Task<bool> ReleaseAsync(string room, string node, bool keepStarted = false) =>
        (long)await db.ScriptEvaluateAsync(ReleaseScript, [RoomKey(room), RoomsOfKey(node), StartedKey(room), StartedSetKey], [node, room, keepStarted ? "1" : "0"]) == 1;

    /// <summary>True for the first node to report the room started in this cluster (the one that sends <c>room_started</c>).</summary>
    public async Task<bool> MarkStartedAsync(string room, string node)
    {
        if (!await db.StringSetAsync(StartedKey(room), node, StartedMarkerTtl, When.NotExists))
        {
            return false;
        }

        await db.SetAddAsync(StartedSetKey, room);
        return true;
    }

    /// <summary>Rooms that started and have had no claim for <paramref name="grace"/>: their <c>room_finished</c> is this caller's to send.</summary>
    public async Task<string[]> SweepOrphansAsync(TimeSpan grace, int maxRooms = 200)
    {
        var result = await db.ScriptEvaluateAsync(SweepScript, [StartedSetKey], [P, (long)grace.TotalMilliseconds, maxRooms]);
        return [.. ((RedisResult[]?)result ?? []).Select(r => (string?)r).OfType<string>()];
    }
}
