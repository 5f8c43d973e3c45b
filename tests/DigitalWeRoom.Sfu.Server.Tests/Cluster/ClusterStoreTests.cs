using DigitalWeRoom.Sfu.Server.Cluster;
using StackExchange.Redis;

namespace DigitalWeRoom.Sfu.Server.Tests.Cluster;

/// <summary>The Redis scripts against the real redis-server: atomic claims, compare-and-delete, renewals, webhook markers, hostile entries.</summary>
public sealed class ClusterStoreTests : IDisposable
{
    private readonly RedisServer _redis = new();
    private readonly ClusterOptions _options = new() { Redis = "x", ClaimTtl = TimeSpan.FromSeconds(6) };

    [Fact]
    public async Task Two_nodes_claiming_the_same_rooms_at_the_same_instant_exactly_one_wins_each()
    {
        await using var a = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        await using var b = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var storeA = new ClusterStore(a.GetDatabase(), _options);
        var storeB = new ClusterStore(b.GetDatabase(), _options);
        for (int i = 0; i < 50; i++)
        {
            var room = $"race{i}";
            using var go = new ManualResetEventSlim();
            var ta = Task.Run(() => { go.Wait(); return storeA.ClaimAsync(room, "node-a"); });
            var tb = Task.Run(() => { go.Wait(); return storeB.ClaimAsync(room, "node-b"); });
            go.Set();
            var winners = await Task.WhenAll(ta, tb);
            Assert.Equal(winners[0], winners[1]); // both see the same single winner
            Assert.Contains(winners[0], new[] { "node-a", "node-b" });
            Assert.Equal(winners[0], await storeA.OwnerAsync(room));
        }

        var counts = await storeA.ClaimedRoomCountsAsync(["node-a", "node-b"]);
        Assert.Equal(50, counts.Sum());
    }

    [Fact]
    public async Task Release_deletes_only_our_own_claim_and_renew_reports_rooms_another_node_holds()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var store = new ClusterStore(mux.GetDatabase(), _options);
        Assert.Equal("node-a", await store.ClaimAsync("standup", "node-a"));
        Assert.Equal("node-a", await store.ClaimAsync("standup", "node-b")); // held: the holder answers
        Assert.False(await store.ReleaseAsync("standup", "node-b"));
        Assert.Equal("node-a", await store.OwnerAsync("standup"));

        // Renewal: node-b serves "standup" too (split brain) and "retro" (claim lost, e.g. Redis restarted): re-created.
        var lost = await store.RenewAsync("node-b", ["standup", "retro"]);
        Assert.Equal([("standup", "node-a")], lost);
        Assert.Equal("node-b", await store.OwnerAsync("retro"));
        Assert.InRange(long.Parse(_redis.Command("PTTL dwr:room:retro")!.TrimStart(':'), System.Globalization.CultureInfo.InvariantCulture), 4000, 6000);

        // Takeover of a dead holder's claim, by naming it.
        Assert.Equal("node-b", await store.ClaimAsync("standup", "node-b", replaceOwner: "node-a"));
        Assert.True(await store.ReleaseAsync("standup", "node-b"));
        Assert.Null(await store.OwnerAsync("standup"));
    }

    [Fact]
    public async Task Sweep_hands_a_started_room_without_a_claim_to_one_caller_after_the_grace_and_never_a_claimed_or_moved_one()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var store = new ClusterStore(mux.GetDatabase(), _options);
        var grace = TimeSpan.FromMilliseconds(600);
        Assert.Equal("node-a", await store.ClaimAsync("alive", "node-a"));
        Assert.True(await store.MarkStartedAsync("alive", "node-a"));
        Assert.True(await store.MarkStartedAsync("orphan", "node-a")); // its node died: no claim
        Assert.True(await store.MarkStartedAsync("ended", "node-a"));
        Assert.True(await store.ReleaseAsync("ended", "node-a")); // ended normally: room_finished already sent

        Assert.Empty(await store.SweepOrphansAsync(grace)); // first sighting without a claim only starts the clock
        await Task.Delay(grace + TimeSpan.FromMilliseconds(100));
        Assert.Empty(await store.SweepOrphansAsync(TimeSpan.FromSeconds(60))); // a longer grace has not passed
        Assert.Equal(["orphan"], await store.SweepOrphansAsync(grace));
        Assert.Empty(await store.SweepOrphansAsync(grace)); // handed out once
        Assert.False(await store.MarkStartedAsync("alive", "node-b")); // the claimed room still counts as started

        // A room resumed before the grace passed (its claim is back) is not finished.
        Assert.True(await store.MarkStartedAsync("resumed", "node-a"));
        Assert.Empty(await store.SweepOrphansAsync(grace));
        Assert.Equal("node-b", await store.ClaimAsync("resumed", "node-b"));
        await Task.Delay(grace + TimeSpan.FromMilliseconds(100));
        Assert.Empty(await store.SweepOrphansAsync(grace));
        Assert.Equal("0", _redis.Command("EXISTS dwr:orphan:resumed")?.TrimStart(':'));
    }

    [Fact]
    public async Task Room_started_is_marked_once_and_the_mark_goes_with_the_last_release()
    {
        await using var mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var store = new ClusterStore(mux.GetDatabase(), _options);
        await store.ClaimAsync("weekly", "node-a");
        Assert.True(await store.MarkStartedAsync("weekly", "node-a"));
        Assert.False(await store.MarkStartedAsync("weekly", "node-b")); // failover: no second room_started
        Assert.False(await store.ReleaseAsync("weekly", "node-b"));      // not the holder: no room_finished either
        Assert.True(await store.ReleaseAsync("weekly", "node-a"));
        Assert.True(await store.MarkStartedAsync("weekly", "node-b"));  // a new meeting later in the same room
    }

    [Fact]
    public void Node_entries_from_Redis_are_checked_and_garbage_is_refused()
    {
        var good = new NodeEntry { Id = "n1", Region = "eu", State = NodeEntry.Serving, SignalingUrl = "http://127.0.0.1:7880", At = 1 };
        Assert.True(NodeEntry.TryParse(good.ToJson(), out var parsed, out _));
        Assert.Equal("ws://127.0.0.1:7880/ws", parsed!.SocketUrl());
        Assert.Equal("wss://meet.example.org/ws", (good with { SignalingUrl = "https://meet.example.org" }).SocketUrl());

        string[] garbage =
        [
            "", "{", "null", "[]", "42", "\"node\"", new string('x', NodeEntry.MaxJsonLength + 1),
            good.ToJson().Replace("\"n1\"", "\"n1/../x\""),
            good.ToJson().Replace("http://127.0.0.1:7880", "javascript:alert(1)"),
            good.ToJson().Replace("http://127.0.0.1:7880", "http://evil.example/?x=1"),
            good.ToJson().Replace("http://127.0.0.1:7880", "http://user:pw@127.0.0.1:7880"),
            good.ToJson().Replace("\"serving\"", "\"on fire\""),
            good.ToJson().Replace("\"rooms\":0", "\"rooms\":-5"),
            good.ToJson().Replace("\"cpu\":0", "\"cpu\":\"high\""),
            good.ToJson().Replace("\"rooms\":0", "\"rooms\":1e999"),
        ];
        foreach (var text in garbage)
        {
            Assert.False(NodeEntry.TryParse(text, out _, out var why), text.Length > 100 ? text[..100] : text);
            Assert.NotEmpty(why);
        }
    }

    [Theory]
    [InlineData("node-1", true)]
    [InlineData("eu.west_2", true)]
    [InlineData("", false)]
    [InlineData("-lead", false)]
    [InlineData("a b", false)]
    [InlineData("a:b", false)]
    [InlineData("a/b", false)]
    [InlineData("ä", false)]
    [InlineData("a\r\nb", false)]
    [InlineData("x*", false)]
    public void Node_ids_allow_safe_characters_only(string id, bool valid) => Assert.Equal(valid, NodeIds.IsValid(id));

    public void Dispose() => _redis.Dispose();
}
