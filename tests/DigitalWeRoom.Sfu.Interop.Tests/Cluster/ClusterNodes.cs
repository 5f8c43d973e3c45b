using System.Text.Json;
using DigitalWeRoom.Sfu.LoadTest.Tests.Faults;
using DigitalWeRoom.Sfu.Server.Tests.Cluster;
using DigitalWeRoom.Sfu.Server.Tests.Telemetry;

namespace DigitalWeRoom.Sfu.Interop.Tests.Cluster;

/// <summary>A real redis-server and N server processes (the published build's entry point) joined into one cluster on loopback.</summary>
internal sealed class ClusterNodes : IDisposable
{
    public ClusterNodes(int count, params string[] extra)
    {
        Redis = new RedisServer();
        for (int i = 0; i < count; i++)
        {
            int port = ServerProcess.FreePort();
            string id = $"node-{(char)('a' + i)}";
            Ids.Add(id);
            Nodes.Add(new ServerProcess(port, [
                // The page's test hooks (window.dwr) are served only when asked for.
                $"--contentRoot={ServerSourceDirectory()}", "--Sfu:P2PEnabled=true", "--Sfu:DrainTimeout=00:00:05", "--Sfu:Page:TestHooks=true",
                $"--Sfu:Cluster:Redis={Redis.ConnectionString}", $"--Sfu:Cluster:NodeId={id}", $"--Sfu:Cluster:SignalingUrl=http://127.0.0.1:{port}",
                .. extra]));
        }
    }

    public RedisServer Redis { get; }

    public List<ServerProcess> Nodes { get; } = [];

    public List<string> Ids { get; } = [];

    public async Task WaitReadyAsync()
    {
        foreach (var node in Nodes)
        {
            await node.WaitReadyAsync(TimeSpan.FromSeconds(60));
        }

        var deadline = DateTime.UtcNow.AddSeconds(15);
        foreach (var node in Nodes)
        {
            while (JsonDocument.Parse(await node.Http.GetStringAsync("api/cluster/nodes")).RootElement.GetArrayLength() < Nodes.Count)
            {
                Assert.True(DateTime.UtcNow < deadline, "nodes did not see each other in the registry");
                await Task.Delay(200);
            }
        }
    }

    /// <summary>
    /// The node serving <paramref name="room"/>, from the cluster-wide room list of any live node (waiting up to 10 s for
    /// the room to be listed: the room loop publishes its snapshot a moment after the first <c>joined</c>).
    /// </summary>
    public async Task<(int Index, int Participants)> OwnerAsync(string room, ServerProcess? ask = null)
    {
        ask ??= Nodes.First(n => !n.HasExited);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var rooms = JsonDocument.Parse(await ask.Http.GetStringAsync("api/rooms")).RootElement;
            var entries = rooms.EnumerateArray().Where(r => r.GetProperty("name").GetString() == room).ToArray();
            if (entries.Length == 1)
            {
                return (Ids.IndexOf(entries[0].GetProperty("node").GetString()!), entries[0].GetProperty("participants").GetArrayLength());
            }

            Assert.True(entries.Length == 0 && DateTime.UtcNow < deadline, $"room {room} listed {entries.Length} times: {rooms}");
            await Task.Delay(100);
        }
    }

    /// <summary>RTP packets the node's media port received and sent (sfu_packets_total, every label).</summary>
    public static async Task<double> MediaPacketsAsync(ServerProcess node) =>
        PrometheusText.Parse(await node.Http.GetStringAsync("metrics")).Series("sfu_packets_total").Sum(s => s.Value);

    public void Dispose()
    {
        foreach (var node in Nodes)
        {
            node.Dispose();
        }

        Redis.Dispose();
    }

    /// <summary>The checkout this test build came from (the directory holding DigitalWeRoom.Sfu.sln).</summary>
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "DigitalWeRoom.Sfu.sln")))
        {
            dir = dir.Parent;
        }

        return dir!.FullName;
    }

    private static string ServerSourceDirectory() => Path.Combine(RepoRoot(), "src", "DigitalWeRoom.Sfu.Server");
}
