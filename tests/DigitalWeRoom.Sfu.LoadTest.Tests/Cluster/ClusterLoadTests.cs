using System.Net;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Runner;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using DigitalWeRoom.Sfu.LoadTest.Tests.Faults;
using DigitalWeRoom.Sfu.Server.Tests.Cluster;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Cluster;

/// <summary>
/// The load generator against a cluster of two server processes and a real redis-server: node A drains, so every
/// participant entering through A is redirected to B, where media flows without loss; A, holding no rooms, exits on
/// SIGTERM while B keeps serving.
/// </summary>
[Collection("loopback-sockets")]
public sealed class ClusterLoadTests
{
    [Fact]
    public async Task Synthetic_participants_entering_a_draining_node_are_redirected_and_meet_on_the_other()
    {
        using var redis = new RedisServer();
        var ports = new[] { ServerProcess.FreePort(), ServerProcess.FreePort() };
        ServerProcess Node(int i) => new(ports[i], $"--Sfu:Cluster:Redis={redis.ConnectionString}", $"--Sfu:Cluster:NodeId=node-{i}",
            $"--Sfu:Cluster:SignalingUrl=http://127.0.0.1:{ports[i]}", "--Sfu:DrainTimeout=00:00:10");
        using var a = Node(0);
        using var b = Node(1);
        await a.WaitReadyAsync(TimeSpan.FromSeconds(60));
        await b.WaitReadyAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, (await a.Http.PostAsync("api/admin/drain", null)).StatusCode);
        await Task.Delay(2500); // B reads A's draining entry at its next heartbeat

        var plan = ScenarioPlan.Meeting(4, TimeSpan.FromSeconds(4));
        var options = new RunOptions
        {
            Media = new MediaProfile { VideoBitrate = 300_000, VideoFps = 15, KeyFrameInterval = TimeSpan.FromSeconds(1) },
            Warmup = TimeSpan.FromMilliseconds(500),
            Drain = TimeSpan.FromSeconds(1),
        };
        await using var target = new ServerTarget(a.WebSocketUri, allowNetns: false);
        var runner = new LoadRunner(plan, target, options);
        RunResult result = await runner.RunAsync();

        Assert.True(result.Failed == 0, string.Join("; ", result.Errors));
        Assert.Equal(4, result.Connected);
        Assert.Equal(0, result.MissingStreams);
        Assert.True(result.PacketsExpected > 500);
        Assert.Equal(0, result.PacketsLost);

        // Everything ran on B; A, with no room of its own, exits on SIGTERM at once.
        var metricsA = (await a.Http.GetStringAsync("metrics")).Split('\n');
        double Sum(string prefix, string? label = null) => metricsA.Where(l => l.StartsWith(prefix, StringComparison.Ordinal) && (label is null || l.Contains(label, StringComparison.Ordinal)))
            .Sum(l => double.Parse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture));
        // The first join placed the room on B (outcome "placed"), the others found it there ("redirect"); none stayed on A.
        Assert.True(Sum("sfu_cluster_placements_total{") >= 4 && Sum("sfu_cluster_placements_total{", "outcome=\"local\"") == 0,
            "A's placements: " + string.Join(" | ", metricsA.Where(l => l.Contains("sfu_cluster", StringComparison.Ordinal))));
        Assert.Equal(0, Sum("sfu_packets_total{"));
        a.Terminate();
        Assert.True(await a.WaitExitAsync(TimeSpan.FromSeconds(15)), "A did not exit after SIGTERM");
        Assert.Equal(HttpStatusCode.OK, (await b.Http.GetAsync("healthz/ready")).StatusCode);
        Assert.DoesNotContain("node-0", redis.Command("SMEMBERS dwr:nodes") ?? "", StringComparison.Ordinal); // A left the registry
    }
}
