using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text.Json;
using DigitalWeRoom.Sfu.LoadTest.Tests.Faults;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Cluster;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using DigitalWeRoom.Sfu.Server.Tests.Webhooks;
using DigitalWeRoom.Sfu.Server.Webhooks;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Cluster;

/// <summary>
/// <c>room_started</c> and <c>room_finished</c> exactly once per room across a cluster, end to end: real server
/// processes sharing a real redis-server, every node posting to one HTTP receiver that records every webhook, and
/// signaling clients that follow redirects and rejoin as the page does. Three ways a room crosses nodes: joins
/// through every node, the owner killed mid-meeting, and the owner drained with migration.
/// </summary>
public sealed class ClusterWebhookTests(ITestOutputHelper output)
{
    private const string Key = "APIcluster";
    private const string Secret = "0123456789abcdef0123456789abcdef-cluster";
    private const string Room = "hooks";

    private static readonly RoomTokenService Tokens = new(
        Microsoft.Extensions.Options.Options.Create(new AuthOptions { Keys = { [Key] = Secret } }), TimeProvider.System);

    [Fact]
    public async Task Joins_through_every_node_send_one_room_started_and_one_room_finished()
    {
        await using var hooks = await WebhookReceiver.StartAsync();
        using var cluster = await StartAsync(3, hooks);
        var clients = await JoinThroughEveryNodeAsync(cluster);

        var owner = await OwnerWithAsync(cluster, 3);
        await WaitForAsync(hooks, WebhookEventNames.ParticipantJoined, 3);
        await LeaveAllAsync(clients);

        await AssertOnceAsync(hooks, cluster);
        Assert.All(Events(hooks).Where(e => e.Event == WebhookEventNames.ParticipantJoined), e => Assert.Equal(Room, e.Room));
        output.WriteLine($"owner {cluster.Ids[owner]}; webhooks: {string.Join(", ", Events(hooks).Select(e => e.Event))}");
    }

    [Fact]
    public async Task Owner_killed_mid_meeting_sends_no_second_room_started_and_one_room_finished()
    {
        await using var hooks = await WebhookReceiver.StartAsync();
        using var cluster = await StartAsync(3, hooks);
        var clients = await JoinThroughEveryNodeAsync(cluster);

        var (owner, _) = await cluster.OwnerAsync(Room);
        await WaitForAsync(hooks, WebhookEventNames.RoomStarted, 1);
        cluster.Nodes[owner].KillNow();
        await LeaveAllAsync(clients);

        // Each client comes back through the node it entered by, or the next live one when that was the owner.
        var back = new List<WsClient>();
        for (int i = 0; i < 3; i++)
        {
            var entry = cluster.Nodes[i == owner ? (i + 1) % 3 : i];
            back.Add(await RejoinAsync(entry, $"p{i}"));
        }

        Assert.NotEqual(owner, await OwnerWithAsync(cluster, 3));
        await LeaveAllAsync(back);

        await AssertOnceAsync(hooks, cluster);
        Assert.Equal(6, Events(hooks).Count(e => e.Event == WebhookEventNames.ParticipantJoined)); // three on the old owner, three on the new
    }

    [Fact]
    public async Task Owner_killed_and_nobody_comes_back_one_room_finished_from_a_live_node_after_the_grace()
    {
        await using var hooks = await WebhookReceiver.StartAsync();
        using var cluster = await StartAsync(2, hooks);
        var clients = await JoinThroughEveryNodeAsync(cluster);
        var owner = await OwnerWithAsync(cluster, 2);
        await WaitForAsync(hooks, WebhookEventNames.RoomStarted, 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        cluster.Nodes[owner].KillNow();
        await LeaveAllAsync(clients);

        await WaitForAsync(hooks, WebhookEventNames.RoomFinished, 1, seconds: 40);
        var finishedAfter = clock.Elapsed;
        output.WriteLine($"room_finished {finishedAfter.TotalSeconds:0.0} s after the kill (claim expiry up to 6 s, then the 6 s grace, heartbeats of 2 s)");
        Assert.True(finishedAfter >= TimeSpan.FromSeconds(6), "room_finished before the grace: a returning page would have found its room finished");
        await AssertOnceAsync(hooks, cluster);
        Assert.Contains("room_finished sent from here", cluster.Nodes[1 - owner].Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Drained_owner_hands_the_room_over_and_webhooks_stay_once()
    {
        await using var hooks = await WebhookReceiver.StartAsync();
        using var cluster = await StartAsync(2, hooks, "--Sfu:Cluster:DrainMigrateAfter=00:00:01");
        var clients = await JoinThroughEveryNodeAsync(cluster);

        var (owner, _) = await cluster.OwnerAsync(Room);
        await WaitForAsync(hooks, WebhookEventNames.RoomStarted, 1);
        Assert.True((await cluster.Nodes[owner].Http.PostAsync("api/admin/drain", null)).IsSuccessStatusCode);

        // Grace (1 s) and up to two heartbeats later every client is told to reconnect at the other node, mid-call.
        var moved = new List<WsClient>();
        foreach (var (client, i) in clients.Select((c, i) => (c, i)))
        {
            var redirect = await client.WaitForAsync(MessageTypes.Redirect, seconds: 15);
            Assert.Equal(cluster.Nodes[1 - owner].WebSocketUri.ToString(), redirect.Url);
            await client.DisposeAsync();
            var (again, second, at) = await ClusterTestHost.JoinThroughAsync(new Uri(redirect.Url!), Room, $"p{i}", Token($"p{i}"), "redirect target");
            Assert.Null(second); // the target already holds the room's claim
            Assert.Equal(cluster.Nodes[1 - owner].WebSocketUri, at);
            moved.Add(again);
        }

        Assert.Equal(1 - owner, await OwnerWithAsync(cluster, 2));
        await LeaveAllAsync(moved);
        await AssertOnceAsync(hooks, cluster);
    }

    private static async Task<ClusterNodes> StartAsync(int count, WebhookReceiver hooks, params string[] extra)
    {
        var cluster = new ClusterNodes(count, [$"--Sfu:Auth:Keys:{Key}={Secret}", $"--Sfu:Webhooks:Urls:0={hooks.Url}",
            "--Sfu:Webhooks:InitialBackoff=00:00:00.200", "--Sfu:Cluster:OrphanRoomGrace=00:00:06", .. extra]);
        foreach (var node in cluster.Nodes)
        {
            node.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
        }

        await cluster.WaitReadyAsync();
        return cluster;
    }

    /// <summary>The node serving the room once the cluster's room list shows <paramref name="participants"/> there (the room loop publishes its snapshot a moment after <c>joined</c>).</summary>
    private static async Task<int> OwnerWithAsync(ClusterNodes cluster, int participants)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var (owner, count) = await cluster.OwnerAsync(Room);
            if (count == participants)
            {
                return owner;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the room has {count} participants on {cluster.Ids[owner]}, not {participants}");
            await Task.Delay(100);
        }
    }

    private static string Token(string identity) =>
        Tokens.Issue(new RoomTokenRequest(identity, identity, new VideoGrant { Room = Room, CanPublish = true, CanSubscribe = true })).Token;

    /// <summary>Client p{i} joins through node i (the first places the room; the others are redirected to it).</summary>
    private static async Task<List<WsClient>> JoinThroughEveryNodeAsync(ClusterNodes cluster)
    {
        var clients = new List<WsClient>();
        for (int i = 0; i < cluster.Nodes.Count; i++)
        {
            clients.Add((await JoinAsync(cluster.Nodes[i], $"p{i}")).Client);
        }

        return clients;
    }

    private static Task<(WsClient Client, SignalMessage? Redirect, Uri JoinedAt)> JoinAsync(ServerProcess entry, string name) =>
        ClusterTestHost.JoinThroughAsync(entry.WebSocketUri, Room, name, Token(name), entry.BaseUri.ToString());

    /// <summary>As the page after its socket dropped: join through its node, again after a short wait while a redirect target cannot be reached.</summary>
    private static async Task<WsClient> RejoinAsync(ServerProcess entry, string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                return (await JoinAsync(entry, name)).Client;
            }
            catch (WebSocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
        }
    }

    private static async Task LeaveAllAsync(IEnumerable<WsClient> clients)
    {
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    private sealed record Hook(string Event, string Room);

    private static List<Hook> Events(WebhookReceiver hooks) =>
        [.. hooks.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Select(e => new Hook(e.GetProperty("event").GetString()!, e.GetProperty("room").GetProperty("name").GetString()!))];

    private static async Task WaitForAsync(WebhookReceiver hooks, string name, int count, double seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (Events(hooks).Count(e => e.Event == name) < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{count} × {name} not received: {string.Join(", ", Events(hooks).Select(e => e.Event))}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for the room's end, then two heartbeats more for a late duplicate from any node: each lifecycle event exactly once.</summary>
    private static async Task AssertOnceAsync(WebhookReceiver hooks, ClusterNodes cluster, double seconds = 20)
    {
        await WaitForAsync(hooks, WebhookEventNames.RoomFinished, 1, seconds);
        await Task.Delay(4500);
        var events = Events(hooks).Where(e => e.Room == Room).ToList();
        string seen = string.Join(", ", events.Select(e => e.Event)) + "\n" + string.Join("\n---\n", cluster.Nodes.Select(n =>
            string.Join("\n", n.Output.Split('\n').Where(l => l.Contains("Cluster", StringComparison.Ordinal)).TakeLast(10))));
        Assert.True(events.Count(e => e.Event == WebhookEventNames.RoomStarted) == 1, "room_started not once: " + seen);
        Assert.True(events.Count(e => e.Event == WebhookEventNames.RoomFinished) == 1, "room_finished not once: " + seen);
        Assert.Equal(WebhookEventNames.RoomStarted, events.First(e => e.Event is WebhookEventNames.RoomStarted or WebhookEventNames.RoomFinished).Event);
        Assert.Equal(WebhookEventNames.RoomFinished, events.Last(e => e.Event is WebhookEventNames.RoomStarted or WebhookEventNames.RoomFinished).Event);
    }
}
