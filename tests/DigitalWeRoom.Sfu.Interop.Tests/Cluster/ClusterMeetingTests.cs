using System.Diagnostics;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Interop.Tests.Meeting;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Cluster;

/// <summary>
/// Chromium meetings on a cluster of three server processes sharing a real redis-server: every page enters through
/// a different node and follows the redirect to the node serving the room; the owner is killed and the pages come
/// back on a live node.
/// </summary>
public sealed class ClusterMeetingTests(ITestOutputHelper output)
{
    private const string Room = "cluster";

    [Fact]
    public async Task Three_pages_through_three_nodes_meet_on_the_owner_and_media_flows_only_there()
    {
        using var cluster = new ClusterNodes(3);
        await cluster.WaitReadyAsync();
        await using var chromium = await Chromium.LaunchAsync(extraArguments: Chromium.Autoplay);
        var pages = await JoinThroughEveryNodeAsync(cluster, chromium.Browser);

        var (owner, participants) = await cluster.OwnerAsync(Room);
        Assert.Equal(3, participants);
        foreach (var page in pages)
        {
            Assert.Equal(cluster.Nodes[owner].WebSocketUri.ToString(), await page.EvaluateAsync<string>("() => window.dwrCluster.url"));
        }

        await AssertEveryPageReceivesAsync(pages);
        for (int i = 0; i < cluster.Nodes.Count; i++)
        {
            double packets = await ClusterNodes.MediaPacketsAsync(cluster.Nodes[i]);
            output.WriteLine($"{cluster.Ids[i]}{(i == owner ? " (owner)" : "")}: {packets} RTP packets");
            if (i == owner)
            {
                Assert.True(packets > 100, $"the owner forwarded only {packets} packets");
            }
            else
            {
                Assert.Equal(0, packets);
            }
        }

        // The room list and the dashboard's data are the cluster's from any node.
        foreach (var node in cluster.Nodes)
        {
            Assert.Equal((owner, 3), await cluster.OwnerAsync(Room, node));
        }
    }

    [Fact]
    public async Task Owner_killed_every_page_is_back_on_a_live_node_with_media()
    {
        using var cluster = new ClusterNodes(3);
        await cluster.WaitReadyAsync();
        await using var chromium = await Chromium.LaunchAsync(extraArguments: Chromium.Autoplay);
        var pages = await JoinThroughEveryNodeAsync(cluster, chromium.Browser);
        var (owner, _) = await cluster.OwnerAsync(Room);
        await AssertEveryPageReceivesAsync(pages);

        var pageClocks = await Task.WhenAll(pages.Select(p => p.EvaluateAsync<double>("() => performance.now()")));
        var clock = Stopwatch.StartNew();
        cluster.Nodes[owner].KillNow();
        var back = await Task.WhenAll(pages.Select(async page =>
        {
            await page.WaitForFunctionAsync("() => window.dwr.participantId === null", null, new PageWaitForFunctionOptions { Timeout = 10_000 });
            await page.WaitForFunctionAsync("() => window.dwr.participantId && window.dwr.participants.length === 2", null,
                new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 50 });
            var joined = clock.Elapsed;
            await WaitForMediaAsync(page);
            return (joined, media: clock.Elapsed);
        }));
        output.WriteLine(string.Join("; ", back.Select((t, i) => $"page {i}: rejoined {t.joined.TotalSeconds:0.00} s, media {t.media.TotalSeconds:0.00} s after the kill")));
        foreach (var page in pages)
        {
            output.WriteLine(await page.EvaluateAsync<string>("t0 => JSON.stringify(window.dwr.frameGapReport('none', t0).events.map(([t, e]) => [Math.round(t - t0), e]))", pageClocks[Array.IndexOf(pages, page)]));
        }

        var (newOwner, participants) = await cluster.OwnerAsync(Room);
        Assert.NotEqual(owner, newOwner);
        Assert.Equal(3, participants);
        await AssertEveryPageReceivesAsync(pages);
        Assert.All(back, t => Assert.True(t.media < TimeSpan.FromSeconds(10), $"media back after {t.media.TotalSeconds:0.00} s (goal: 10 s)"));
    }

    [Fact]
    public async Task Drained_owner_hands_the_room_over_the_pages_get_media_back_on_the_other_node_and_it_exits()
    {
        using var cluster = new ClusterNodes(2, "--Sfu:Cluster:DrainMigrateAfter=00:00:02", "--Sfu:DrainTimeout=00:01:00");
        await cluster.WaitReadyAsync();
        await using var chromium = await Chromium.LaunchAsync(extraArguments: Chromium.Autoplay);
        var pages = await JoinThroughEveryNodeAsync(cluster, chromium.Browser);
        var (owner, _) = await cluster.OwnerAsync(Room);
        int other = 1 - owner;
        await AssertEveryPageReceivesAsync(pages);

        var clock = Stopwatch.StartNew();
        cluster.Nodes[owner].Terminate(); // SIGTERM: drain; after the 2 s grace the room is handed to the other node
        var back = await Task.WhenAll(pages.Select(async page =>
        {
            await page.WaitForFunctionAsync($"() => window.dwrCluster.url === '{cluster.Nodes[other].WebSocketUri}' && window.dwr.participantId && window.dwr.participants.length === 2",
                null, new PageWaitForFunctionOptions { Timeout = 30_000, PollingInterval = 50 });
            var joined = clock.Elapsed;
            await WaitForMediaAsync(page);
            return (joined, media: clock.Elapsed);
        }));
        Assert.True(await cluster.Nodes[owner].WaitExitAsync(TimeSpan.FromSeconds(20)), "the drained node did not exit once empty");
        var exited = clock.Elapsed;
        output.WriteLine(string.Join("; ", back.Select((t, i) => $"page {i}: on the other node {t.joined.TotalSeconds:0.00} s, media {t.media.TotalSeconds:0.00} s after SIGTERM"))
            + $"; old node exited after {exited.TotalSeconds:0.00} s (drain timeout 60 s)");

        Assert.Equal((other, 3), await cluster.OwnerAsync(Room));
        await AssertEveryPageReceivesAsync(pages);
        Assert.True(await ClusterNodes.MediaPacketsAsync(cluster.Nodes[other]) > 100, "the new owner carries the media");
        Assert.Contains("handed to node", cluster.Nodes[owner].Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_on_either_node_shows_the_node_table_of_the_whole_cluster()
    {
        using var cluster = new ClusterNodes(2);
        await cluster.WaitReadyAsync();
        await using var chromium = await Chromium.LaunchAsync(extraArguments: Chromium.Autoplay);
        var page = await MeetingHost.OpenMeetingAsync(chromium.Browser, cluster.Nodes[0].BaseUri, Room, "solo");
        await page.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        var (owner, _) = await cluster.OwnerAsync(Room);
        int other = 1 - owner;
        Assert.True((await cluster.Nodes[other].Http.PostAsync("api/admin/drain", null)).IsSuccessStatusCode);

        for (int i = 0; i < 2; i++)
        {
            var dashboard = await page.Context.NewPageAsync();
            await dashboard.GotoAsync(new Uri(cluster.Nodes[i].BaseUri, "/dashboard").ToString());
            // Each node reads the other's entry from Redis (refreshed every 2 s): wait for both nodes' current state.
            await dashboard.WaitForFunctionAsync(
                $"() => document.querySelectorAll('#node-table tbody tr').length === 2 && " +
                $"document.querySelector(\"#node-table tr[data-node='{cluster.Ids[owner]}'] td:nth-child(3)\")?.textContent === '1' && " +
                $"document.querySelector(\"#node-table tr[data-node='{cluster.Ids[other]}']\")?.dataset.state === 'draining'",
                null, new PageWaitForFunctionOptions { Timeout = 15_000 });
            Assert.False(await dashboard.Locator("#cluster").IsHiddenAsync());
            var ownerRow = await dashboard.Locator($"#node-table tr[data-node='{cluster.Ids[owner]}'] td").AllTextContentsAsync();
            var otherRow = await dashboard.Locator($"#node-table tr[data-node='{cluster.Ids[other]}'] td").AllTextContentsAsync();
            output.WriteLine($"dashboard on {cluster.Ids[i]}: [{string.Join(" | ", ownerRow)}] [{string.Join(" | ", otherRow)}]");
            Assert.Equal(9, ownerRow.Count);
            Assert.StartsWith(cluster.Ids[owner], ownerRow[0], StringComparison.Ordinal);
            Assert.Equal(i == owner, ownerRow[0].EndsWith("(this)", StringComparison.Ordinal));
            Assert.Equal(["serving", "1", "1"], ownerRow.Skip(1).Take(3));
            Assert.Equal(["draining", "0", "0"], otherRow.Skip(1).Take(3));
            Assert.Matches(@"^\d+ %$", ownerRow[6]);
            foreach (var row in new[] { ownerRow, otherRow })
            {
                var seen = double.Parse(row[8].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange(seen, 0, 5); // a live entry: written within the last heartbeats
            }

            Assert.Equal("redis up", await dashboard.TextContentAsync("#cluster-redis"));
            await dashboard.CloseAsync();
        }
    }

    [Fact]
    public async Task Page_follows_only_WebSocket_redirects_with_an_allowed_scheme()
    {
        using var cluster = new ClusterNodes(1);
        await cluster.WaitReadyAsync();
        await using var chromium = await Chromium.LaunchAsync();
        var page = await MeetingHost.OpenMeetingAsync(chromium.Browser, cluster.Nodes[0].BaseUri, Room, "ada");
        var verdicts = await page.EvaluateAsync<bool[]>("""
            async () => {
              const { isAllowedRedirect } = await import('/js/cluster.js');
              return [
                isAllowedRedirect('ws://127.0.0.1:9/ws', 'http:'), isAllowedRedirect('wss://n2.example.org/ws', 'https:'),
                isAllowedRedirect('ws://n2.example.org/ws', 'https:'), isAllowedRedirect('javascript:alert(1)', 'http:'),
                isAllowedRedirect('http://n2.example.org/ws', 'http:'), isAllowedRedirect('ws://u:p@n2.example.org/ws', 'http:'),
                isAllowedRedirect('ws://n2.example.org/other', 'http:'), isAllowedRedirect('ws://n2.example.org/ws?x=1', 'http:'),
                isAllowedRedirect('not a url', 'http:')];
            }
            """);
        Assert.Equal([true, true, false, false, false, false, false, false, false], verdicts);

        // A forged redirect (not ws/wss) reaching the page is ignored: the page stays in its room.
        await page.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId");
        await page.EvaluateAsync("() => window.dwrCluster.receive({ type: 'redirect', url: 'javascript:alert(1)' })");
        await Task.Delay(500);
        Assert.NotNull(await page.EvaluateAsync<string?>("() => window.dwr.participantId"));
        Assert.Equal(cluster.Nodes[0].WebSocketUri.ToString(), await page.EvaluateAsync<string>("() => window.dwrCluster.url"));
    }

    /// <summary>Page i opens the meeting from node i; the third arrival switches the room to the server path.</summary>
    private static async Task<IPage[]> JoinThroughEveryNodeAsync(ClusterNodes cluster, IBrowser browser)
    {
        var pages = new List<IPage>();
        for (int i = 0; i < 3; i++)
        {
            var console = new List<string>();
            var page = await MeetingHost.OpenMeetingAsync(browser, cluster.Nodes[i % cluster.Nodes.Count].BaseUri, Room, $"p{i}",
                prepare: c => { c.Console += (_, m) => { lock (console) console.Add(m.Text); }; return Task.CompletedTask; });
            try
            {
                await page.WaitForFunctionAsync("() => window.dwr && window.dwr.participantId", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
            }
            catch (TimeoutException)
            {
                Assert.Fail($"page {i} did not join: " + await page.EvaluateAsync<string>("() => JSON.stringify({ url: window.dwrCluster?.url, errors: window.dwr?.errors })")
                    + "\nconsole: " + string.Join("\n", console) + "\nservers:\n" + string.Join("\n---\n", cluster.Nodes.Select(n => string.Join("\n", n.Output.Split('\n').Where(l => l.Contains("Cluster") || l.Contains("Signaling") || l.Contains("fail") || l.Contains("rror")).TakeLast(15)))));
            }

            pages.Add(page);
            if (i == 1)
            {
                await Dwr.WaitForModeAsync(pages[0], "p2p");
                await Dwr.WaitForModeAsync(pages[1], "p2p");
            }
        }

        foreach (var page in pages)
        {
            await Dwr.WaitForModeAsync(page, "sfu");
        }

        return [.. pages];
    }

    private static async Task AssertEveryPageReceivesAsync(IPage[] pages)
    {
        var ids = await Task.WhenAll(pages.Select(Dwr.IdAsync));
        for (int i = 0; i < pages.Length; i++)
        {
            await Dwr.AssertFlowingAsync(pages[i], ids[(i + 1) % pages.Length], "sfu", seconds: 1);
        }
    }

    private static async Task WaitForMediaAsync(IPage page)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await page.EvaluateAsync<int>("async () => Object.values(await window.dwr.videoInbound()).filter((v) => v.framesDecoded > 0).length") >= 2)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("no video decoded from the other two after the failover");
    }
}
