using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Cluster;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Server.Tests.Cluster;

/// <summary>Several real hosts sharing a real redis-server: joins through any node, balance, limits, drain, the cluster-wide Room API.</summary>
public sealed class ClusterPlacementTests(ITestOutputHelper output) : IDisposable
{
    private readonly RedisServer _redis = new();
    private readonly List<IAsyncDisposable> _owned = [];

    [Fact]
    public async Task Joins_through_three_nodes_all_land_on_the_owner_by_redirect_carrying_the_token()
    {
        var nodes = new[] { Node("node-a"), Node("node-b"), Node("node-c") };
        await WaitForNodesAsync(nodes, 3);
        var landed = new List<Uri>();
        int redirects = 0;
        foreach (var (entry, i) in nodes.Select((n, i) => (n, i)))
        {
            var (client, redirect, at) = await entry.JoinAsync("standup", $"p{i}", token: i == 1 ? "tok-1" : null);
            _owned.Add(client);
            landed.Add(at);
            if (redirect is not null)
            {
                redirects++;
                Assert.Contains(nodes, n => n.WebSocketUri.ToString() == redirect.Url); // a registered node's URL, nothing else
                Assert.Equal(i == 1 ? "tok-1" : null, redirect.Token);
            }
        }

        Assert.Single(landed.Distinct());
        var owner = nodes.Single(n => n.WebSocketUri == landed[0]);
        // The snapshot is published by the room's own loop, a moment after the last `joined` was sent.
        await WaitAsync(() => owner.Rooms.Find("standup")!.Snapshot.Participants.Count == 3, "the owner's room has all three");
        Assert.All(nodes.Where(n => n != owner), n => Assert.Null(n.Rooms.Find("standup")));
        Assert.Equal(2, redirects); // the two joins that reached a node not owning the room
    }

    [Fact]
    public async Task Twenty_rooms_across_two_nodes_are_balanced_within_20_percent()
    {
        var nodes = new[] { Node("node-a"), Node("node-b") };
        await WaitForNodesAsync(nodes, 2);
        for (int i = 0; i < 20; i++)
        {
            var (client, _, _) = await nodes[i % 2].JoinAsync($"room{i}", "p");
            _owned.Add(client);
        }

        int a = nodes[0].Rooms.Count, b = nodes[1].Rooms.Count;
        output.WriteLine($"node-a {a} rooms, node-b {b} rooms");
        Assert.Equal(20, a + b);
        Assert.InRange(a, 8, 12);
    }

    [Fact]
    public async Task A_node_at_its_room_limit_is_skipped()
    {
        var full = Node("node-a", new() { ["Sfu:Limits:MaxRooms"] = "2" });
        var other = Node("node-b");
        await WaitForNodesAsync([full, other], 2);
        for (int i = 0; i < 8; i++)
        {
            var (client, _, _) = await full.JoinAsync($"limit{i}", "p");
            _owned.Add(client);
        }

        Assert.InRange(full.Rooms.Count, 0, 2);
        Assert.Equal(8, full.Rooms.Count + other.Rooms.Count);
    }

    [Fact]
    public async Task Draining_node_sends_new_rooms_elsewhere_and_keeps_serving_its_own()
    {
        // A room on A, opened while A is the only node: placement by load could send every new room to B (CI found A
        // hotter than its CPU limit while the suite ran, and 10 of 10 rooms went to B).
        var a = Node("node-a");
        await WaitForNodesAsync([a], 1);
        const string roomOnA = "before";
        var (first, _, firstAt) = await a.JoinAsync(roomOnA, "p");
        _owned.Add(first);
        Assert.Equal(a.WebSocketUri, firstAt);
        var b = Node("node-b");
        await WaitForNodesAsync([a, b], 2);
        using var http = new HttpClient { BaseAddress = a.BaseUri };
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/api/admin/drain", null)).StatusCode);
        await WaitAsync(() => b.Services.GetRequiredService<ClusterNode>().Nodes.TryGetValue("node-a", out var e) && !e.IsServing, "B sees A draining");

        for (int i = 0; i < 4; i++)
        {
            var (client, _, at) = await (i % 2 == 0 ? a : b).JoinAsync($"after{i}", "p");
            _owned.Add(client);
            Assert.Equal(b.WebSocketUri, at);
        }

        var (late, _, lateAt) = await b.JoinAsync(roomOnA, "late"); // a room A serves stays on A
        _owned.Add(late);
        Assert.Equal(a.WebSocketUri, lateAt);
    }

    [Fact]
    public async Task Room_api_lists_the_whole_cluster_and_routes_remove_and_close_to_the_owner()
    {
        var a = Node("node-a");
        var b = Node("node-b");
        await WaitForNodesAsync([a, b], 2);
        var joined = new List<(WsClient Client, Uri At, string Room)>();
        for (int i = 0; i < 4; i++)
        {
            var (client, _, at) = await a.JoinAsync($"api{i}", "p");
            joined.Add((client, at, $"api{i}"));
            _owned.Add(client);
        }

        using var httpA = new HttpClient { BaseAddress = a.BaseUri };
        var list = JsonDocument.Parse(await httpA.GetStringAsync("/api/rooms")).RootElement;
        Assert.Equal(4, list.GetArrayLength());
        Assert.Equal(new[] { "api0", "api1", "api2", "api3" }, list.EnumerateArray().Select(r => r.GetProperty("name").GetString()).Order());
        Assert.All(list.EnumerateArray(), r => Assert.Contains(r.GetProperty("node").GetString(), new[] { "node-a", "node-b" }));

        // A room on B, operated through A.
        var onB = joined.FirstOrDefault(j => j.At == b.WebSocketUri);
        Assert.NotNull(onB.Client);
        var participants = JsonDocument.Parse(await httpA.GetStringAsync($"/api/rooms/{onB.Room}/participants")).RootElement;
        string id = participants[0].GetProperty("id").GetString()!;
        var removed = await httpA.DeleteAsync($"/api/rooms/{onB.Room}/participants/{id}");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal("node-b", removed.Headers.GetValues("X-Dwr-Node").Single());
        Assert.Equal(ErrorCodes.Removed, (await onB.Client.WaitForAsync(MessageTypes.Error)).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await httpA.DeleteAsync("/api/rooms/nosuchroom")).StatusCode);
    }

    [Fact]
    public async Task Cluster_api_gives_every_node_its_state_load_and_age_from_any_node()
    {
        var a = Node("node-a", new() { ["Sfu:Telemetry:Region"] = "eu-west" });
        var b = Node("node-b");
        await WaitForNodesAsync([a, b], 2);
        var (client, _, at) = await a.JoinAsync("dash", "p");
        _owned.Add(client);
        var owner = at == a.WebSocketUri ? a : b;
        var other = owner == a ? b : a;
        using (var drain = new HttpClient { BaseAddress = other.BaseUri })
        {
            Assert.Equal(HttpStatusCode.OK, (await drain.PostAsync("/api/admin/drain", null)).StatusCode);
        }

        foreach (var node in new[] { a, b })
        {
            using var http = new HttpClient { BaseAddress = node.BaseUri };
            JsonElement view = default;
            // The other node's entry is at most one heartbeat old: wait until it shows the join and the drain.
            await WaitAsync(() =>
            {
                view = JsonDocument.Parse(http.GetStringAsync("/api/cluster").GetAwaiter().GetResult()).RootElement.Clone();
                var entries = view.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("id").GetString()!);
                return entries.Count == 2 && entries[owner.NodeId].GetProperty("participants").GetInt32() == 1
                    && entries[other.NodeId].GetProperty("state").GetString() == "draining";
            }, $"{node.NodeId}'s view of the cluster", seconds: 10);

            Assert.Equal(node.NodeId, view.GetProperty("self").GetString());
            Assert.True(view.GetProperty("redisUp").GetBoolean());
            long now = view.GetProperty("now").GetInt64();
            foreach (var entry in view.GetProperty("nodes").EnumerateArray())
            {
                string id = entry.GetProperty("id").GetString()!;
                Assert.Equal(id == owner.NodeId ? "serving" : "draining", entry.GetProperty("state").GetString());
                Assert.Equal(id == owner.NodeId ? 1 : 0, entry.GetProperty("rooms").GetInt32());
                Assert.Equal(0, entry.GetProperty("tracks").GetInt32());
                Assert.InRange(entry.GetProperty("cpu").GetDouble(), 0, 1);
                Assert.True(entry.GetProperty("pps").GetDouble() >= 0);
                Assert.Equal(id == "node-a" ? "eu-west" : b.Services.GetRequiredService<ClusterNode>().Region, entry.GetProperty("region").GetString());
                // `now` and `at` are wall-clock readings taken at different moments (by different machines in
                // production): an entry stamped just after the view read its clock is a millisecond "in the future"
                // (CI saw now - at = -1). The dashboard clamps a negative age to 0.
                Assert.InRange(now - entry.GetProperty("at").GetInt64(), -250, 5000);
                Assert.Equal((id == a.NodeId ? a : b).BaseUri.ToString().TrimEnd('/'), entry.GetProperty("url").GetString());
            }
        }
    }

    [Fact]
    public async Task Redis_outage_keeps_rooms_running_places_locally_and_recovers_the_claims()
    {
        var a = Node("node-a");
        var b = Node("node-b");
        await WaitForNodesAsync([a, b], 2);
        var (first, _, firstAt) = await a.JoinAsync("during", "p1");
        _owned.Add(first);
        var owner = firstAt == a.WebSocketUri ? a : b;
        var other = owner == a ? b : a;

        _redis.Stop();
        await WaitAsync(() => !a.Services.GetRequiredService<ClusterNode>().RedisUp && !b.Services.GetRequiredService<ClusterNode>().RedisUp, "nodes notice Redis is gone");
        await first.SendAsync(new SignalMessage { Type = MessageTypes.Ping, Id = "still-here" });
        Assert.Equal("still-here", (await first.WaitForAsync(MessageTypes.Pong)).Id);

        // New rooms while Redis is away: placed on the node the client reached.
        var (local, redirect, localAt) = await other.JoinAsync("outage", "p2");
        _owned.Add(local);
        Assert.Null(redirect);
        Assert.Equal(other.WebSocketUri, localAt);

        _redis.Start(); // empty: every claim is gone
        await WaitAsync(() => _redis.Command("GET dwr:room:during") == owner.NodeId && _redis.Command("GET dwr:room:outage") == other.NodeId,
            "claims re-registered", seconds: 10);
        await first.SendAsync(new SignalMessage { Type = MessageTypes.Ping, Id = "after" });
        Assert.Equal("after", (await first.WaitForAsync(MessageTypes.Pong)).Id);

        var (again, again_redirect, againAt) = await owner.JoinAsync("outage", "p3"); // placement after the outage
        _owned.Add(again);
        Assert.NotNull(again_redirect);
        Assert.Equal(other.WebSocketUri, againAt);
        output.WriteLine(string.Join('\n', _redis.Command("INFO commandstats")!.Split('\n').Where(l => l.StartsWith("cmdstat", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task Garbage_in_the_registry_is_logged_and_never_becomes_a_redirect_target()
    {
        var a = Node("node-a");
        await WaitForNodesAsync([a], 1);
        _redis.Command("SADD dwr:nodes evil bad:id");
        _redis.Command("SET dwr:node:evil {\"id\":\"evil\",\"url\":\"javascript:alert(1)\"}");
        _redis.Command("SET dwr:node:bad:id not-json");
        _redis.Command("SET dwr:room:hijack evil");
        var node = a.Services.GetRequiredService<ClusterNode>();
        await node.RefreshNodesAsync(node.Store!);
        Assert.Equal(["node-a"], node.Nodes.Keys);

        var (client, redirect, at) = await a.JoinAsync("hijack", "p"); // the claim names a node that is not live: taken over
        _owned.Add(client);
        Assert.Null(redirect);
        Assert.Equal(a.WebSocketUri, at);
        Assert.Equal("node-a", _redis.Command("GET dwr:room:hijack"));

        // A client cannot send a redirect to the server either.
        await client.SendTextAsync("{\"type\":\"redirect\",\"url\":\"ws://evil.example/ws\"}");
        Assert.NotNull(await client.WaitForAsync(MessageTypes.Error));
    }

    [Fact]
    public void A_node_id_with_odd_characters_stops_the_start()
    {
        foreach (var bad in new[] { "a b", "node/1", "x\r\ny", "-x" })
        {
            var e = Assert.ThrowsAny<Exception>(() => new ClusterTestHost(bad, _redis));
            Assert.Contains("NodeId", e.ToString(), StringComparison.Ordinal);
        }

        var validator = new ClusterOptionsValidator(Microsoft.Extensions.Options.Options.Create(new DigitalWeRoom.Sfu.Server.Telemetry.TelemetryOptions()));
        Assert.True(validator.Validate(null, new ClusterOptions { Redis = "r", NodeId = "ok", SignalingUrl = "ftp://x" }).Failed);
        Assert.False(validator.Validate(null, new ClusterOptions { Redis = "r", NodeId = "ok", SignalingUrl = "https://meet.example.org" }).Failed);
        Assert.False(validator.Validate(null, new ClusterOptions { NodeId = "not checked when off" }).Failed);
    }

    private ClusterTestHost Node(string id, Dictionary<string, string?>? settings = null)
    {
        var host = new ClusterTestHost(id, _redis, settings);
        _owned.Add(host);
        return host;
    }

    private static Task WaitForNodesAsync(IEnumerable<ClusterTestHost> hosts, int count) =>
        WaitAsync(() => hosts.All(h => h.Services.GetRequiredService<ClusterNode>().Nodes.Count == count), $"{count} nodes registered");

    private static async Task WaitAsync(Func<bool> condition, string what, double seconds = 8)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting: {what}");
            await Task.Delay(100);
        }
    }

    public void Dispose()
    {
        foreach (var d in Enumerable.Reverse(_owned))
        {
            d.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        _redis.Dispose();
    }
}
