using System.Diagnostics;
using System.Globalization;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Server.Tests.Cluster;

/// <summary>
/// The figures docs/benchmarks.md (Cluster) asks for, printed for a quiet machine: join latency through the owner vs
/// another node (median of 20), and Redis commands per second per node at idle and with 50 rooms (INFO commandstats).
/// The asserts check what is measured (every join through the other node was redirected, none through the owner).
/// </summary>
public sealed class ClusterMeasurementTests(ITestOutputHelper output) : IDisposable
{
    private readonly RedisServer _redis = new();
    private readonly List<IAsyncDisposable> _owned = [];

    [Fact]
    public async Task Join_latency_through_the_owner_and_through_another_node()
    {
        var a = Own(new ClusterTestHost("node-a", _redis));
        var b = Own(new ClusterTestHost("node-b", _redis));
        await WaitAsync(() => a.Rooms is not null && b.Rooms is not null);
        await Task.Delay(2500); // both entries registered
        var (first, _, at) = await a.JoinAsync("latency", "host");
        _owned.Add(first);
        var owner = at == a.WebSocketUri ? a : b;
        var other = owner == a ? b : a;

        async Task<double[]> Measure(ClusterTestHost entry, bool redirected)
        {
            var times = new List<double>();
            for (int i = 0; i < 21; i++)
            {
                var clock = Stopwatch.StartNew();
                var (client, redirect, _) = await entry.JoinAsync("latency", $"p{i}");
                times.Add(clock.Elapsed.TotalMilliseconds);
                Assert.Equal(redirected, redirect is not null);
                await client.DisposeAsync();
                await Task.Delay(50);
            }

            return [.. times.Skip(1).Order()]; // the first warms up the path
        }

        var direct = await Measure(owner, redirected: false);
        var through = await Measure(other, redirected: true);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"join via owner: median {direct[10]:0.0} ms (min {direct[0]:0.0}, max {direct[^1]:0.0}); via other node: median {through[10]:0.0} ms (min {through[0]:0.0}, max {through[^1]:0.0})"));
    }

    [Fact]
    public async Task Redis_commands_per_second_per_node_idle_and_with_50_rooms()
    {
        var nodes = new[] { Own(new ClusterTestHost("node-a", _redis)), Own(new ClusterTestHost("node-b", _redis)) };
        await Task.Delay(3000);
        double idle = await OpsPerSecondAsync(TimeSpan.FromSeconds(10)) / nodes.Length;
        for (int i = 0; i < 50; i++)
        {
            var (client, _, _) = await nodes[i % 2].JoinAsync($"load{i}", "p");
            _owned.Add(client);
        }

        Assert.Equal(50, nodes.Sum(n => n.Rooms.Count));
        double busy = await OpsPerSecondAsync(TimeSpan.FromSeconds(10)) / nodes.Length;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Redis commands per second per node: idle {idle:0.0}, with 50 rooms (25 per node) {busy:0.0}"));
        Assert.InRange(idle, 0.5, 20);
    }

    private async Task<double> OpsPerSecondAsync(TimeSpan window)
    {
        long before = TotalCalls();
        await Task.Delay(window);
        return (TotalCalls() - before - 1) / window.TotalSeconds; // minus our own INFO
    }

    /// <summary>Sum of calls= over every cmdstat line of INFO commandstats.</summary>
    private long TotalCalls() =>
        _redis.Command("INFO commandstats")!.Split('\n').Where(l => l.StartsWith("cmdstat_", StringComparison.Ordinal) && !l.StartsWith("cmdstat_info", StringComparison.Ordinal))
            .Sum(l => long.Parse(l.Split("calls=")[1].Split(',')[0], CultureInfo.InvariantCulture));

    private ClusterTestHost Own(ClusterTestHost host)
    {
        _owned.Add(host);
        return host;
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        while (!condition())
        {
            await Task.Delay(50);
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
