using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// deploy/docker/compose.cluster.yaml booted as compose would run it on one host (network_mode host: one namespace):
/// its redis command, then both nodes from the published server with the environment read from the file, each as
/// the image's user. Both nodes must register in Redis and see each other; a join reaching the node that does not
/// serve the room is redirected to the one that does.
/// </summary>
public sealed class ClusterComposeBootTests
{
    [Fact]
    public async Task Compose_cluster_boots_redis_and_two_nodes_that_see_each_other_and_redirect_joins()
    {
        var shell = new Dictionary<string, string>
        {
            ["SFU_ADMIN_KEY"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
            ["SFU_API_SECRET"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        };
        var a = ContainerArtifacts.ComposeClusterNode("sfu-a", shell);
        var b = ContainerArtifacts.ComposeClusterNode("sfu-b", shell);
        using var ns = new BootNamespace();
        using var redis = new BootedServer(ns, ContainerArtifacts.ComposeClusterRedisCommand(),
            new Dictionary<string, string> { ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" }, "/");
        using var nodeA = DeploymentBootTests.StartContainer(ns, a);
        using var nodeB = DeploymentBootTests.StartContainer(ns, b);
        var uriA = new Uri("http://127.0.0.1:7880/");
        var uriB = new Uri("http://127.0.0.1:7890/");
        await nodeA.WaitReadyAsync(new Uri(uriA, "/healthz/ready"), TimeSpan.FromSeconds(60));
        await nodeB.WaitReadyAsync(new Uri(uriB, "/healthz/ready"), TimeSpan.FromSeconds(60));

        using var client = ns.HttpClient();
        foreach (var node in new[] { uriA, uriB })
        {
            string[] seen = [];
            for (int i = 0; i < 50 && seen.Length < 2; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(node, "/api/cluster"));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", shell["SFU_ADMIN_KEY"]);
                using var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                seen = [.. json.RootElement.GetProperty("nodes").EnumerateArray()
                    .Where(n => n.GetProperty("state").GetString() == "serving").Select(n => n.GetProperty("id").GetString()!).Order()];
                await Task.Delay(seen.Length < 2 ? 200 : 0);
            }

            Assert.Equal(["sfu-a", "sfu-b"], seen);
        }

        // Guests (the file allows them; tokens from either node, signed with the shared key) join through a, then b:
        // the room is placed on one node, and the join that reached the other is redirected there.
        using var first = await ns.WebSocketAsync(new Uri("ws://127.0.0.1:7880/ws"));
        string firstReply = await JoinAsync(first, "standup", "alice", await GuestTokenAsync(client, uriA, "alice"));
        using var second = await ns.WebSocketAsync(new Uri("ws://127.0.0.1:7890/ws"));
        string secondReply = await JoinAsync(second, "standup", "bob", await GuestTokenAsync(client, uriB, "bob"));
        using var firstJson = JsonDocument.Parse(firstReply);
        using var secondJson = JsonDocument.Parse(secondReply);
        string firstType = firstJson.RootElement.GetProperty("type").GetString()!;
        string secondType = secondJson.RootElement.GetProperty("type").GetString()!;
        Assert.True(firstType is "joined" or "redirect", firstReply);
        string owner = firstType == "joined" ? "http://localhost:7880" : firstJson.RootElement.GetProperty("url").GetString()!;
        if (owner.Contains(":7880", StringComparison.Ordinal))
        {
            Assert.Equal("redirect", secondType);
            Assert.Contains(":7880/ws", secondJson.RootElement.GetProperty("url").GetString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("joined", secondType);
        }
    }

    private static async Task<string> GuestTokenAsync(HttpClient client, Uri node, string name)
    {
        using var json = JsonDocument.Parse(await client.GetStringAsync(new Uri(node, $"/api/token/guest?room=standup&name={name}")));
        return json.RootElement.GetProperty("token").GetString()!;
    }

    private static async Task<string> JoinAsync(System.Net.WebSockets.ClientWebSocket socket, string room, string name, string token)
    {
        var join = System.Text.Encoding.UTF8.GetBytes($$"""{"type":"join","room":"{{room}}","name":"{{name}}","p2p":true,"token":"{{token}}"}""");
        await socket.SendAsync(join, System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, timeout.Token);
            string text = System.Text.Encoding.UTF8.GetString(buffer, 0, result.Count);
            if (text.Contains("\"type\":\"joined\"", StringComparison.Ordinal) || text.Contains("\"type\":\"redirect\"", StringComparison.Ordinal)
                || text.Contains("\"type\":\"error\"", StringComparison.Ordinal))
            {
                return text;
            }
        }
    }
}
