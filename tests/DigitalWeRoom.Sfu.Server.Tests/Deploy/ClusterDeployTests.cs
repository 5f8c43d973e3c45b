using DigitalWeRoom.Sfu.Server.Cluster;
using Microsoft.Extensions.Configuration;
using YamlDotNet.RepresentationModel;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>
/// The cluster deployments (no container engine or Kubernetes here): compose.cluster.yaml and k8s/sfu-cluster.yaml are
/// parsed, and each node's environment, read from the file, is bound and checked by the server's own validator.
/// </summary>
public sealed class ClusterDeployTests
{
    [Fact]
    public void Compose_runs_redis_without_persistence_and_two_valid_distinct_nodes()
    {
        var compose = Load(RepoPaths.Path("deploy", "docker", "compose.cluster.yaml")).Single();
        var services = (YamlMappingNode)compose["services"];
        var redis = (YamlMappingNode)services["redis"];
        var redisArgs = ((YamlSequenceNode)redis["command"]).Children.Select(c => ((YamlScalarNode)c).Value ?? "").ToArray();
        Assert.Equal(["redis-server", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no"], redisArgs);

        var nodes = new[] { "sfu-a", "sfu-b" }.Select(name => Environment((YamlMappingNode)services[name])).ToArray();
        var options = nodes.Select(Bind).ToArray();
        Assert.All(options, o => Assert.False(new ClusterOptionsValidator(Microsoft.Extensions.Options.Options.Create(new DigitalWeRoom.Sfu.Server.Telemetry.TelemetryOptions())).Validate(null, o).Failed));
        Assert.All(options, o => Assert.Equal("127.0.0.1:6379", o.Redis));
        Assert.Equal(2, options.Select(o => o.NodeId).Distinct().Count());
        Assert.Equal(2, nodes.Select(n => n["Sfu__Http__Listen"]).Distinct().Count());
        Assert.Equal(2, nodes.Select(n => n["Sfu__Udp__Port"]).Distinct().Count());
        // Each node's URL is its own listen port (the default values).
        Assert.All(nodes, n => Assert.EndsWith(":" + n["Sfu__Http__Listen"].Split(':')[^1], Expand(n["Sfu__Cluster__SignalingUrl"]), StringComparison.Ordinal));
    }

    [Fact]
    public void Kubernetes_runs_redis_a_host_network_statefulset_of_nodes_and_a_signaling_service()
    {
        var docs = Load(RepoPaths.Path("deploy", "k8s", "sfu-cluster.yaml"));
        string Kind(YamlMappingNode d) => ((YamlScalarNode)d["kind"]).Value!;
        string Name(YamlMappingNode d) => ((YamlScalarNode)((YamlMappingNode)d["metadata"])["name"]).Value!;
        Assert.Contains(docs, d => Kind(d) == "Service" && Name(d) == "redis");
        Assert.Contains(docs, d => Kind(d) == "Service" && Name(d) == "sfu-http");
        var set = Assert.Single(docs, d => Kind(d) == "StatefulSet");
        var pod = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)set["spec"])["template"])["spec"];
        Assert.Equal("true", ((YamlScalarNode)pod["hostNetwork"]).Value);
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Children[0];
        var env = ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>()
            .Where(e => e.Children.ContainsKey("value"))
            .ToDictionary(e => ((YamlScalarNode)e["name"]).Value!, e => ((YamlScalarNode)e["value"]).Value!);
        Assert.Equal("redis.digitalweroom.svc.cluster.local:6379", env["Sfu__Cluster__Redis"]);
        Assert.Equal("$(POD_NAME)", env["Sfu__Cluster__NodeId"]);
        // With the pod and node names Kubernetes substitutes, the server accepts the configuration.
        var bound = Bind(env.ToDictionary(kv => kv.Key, kv => kv.Value.Replace("$(POD_NAME)", "sfu-0").Replace("$(NODE_NAME)", "worker-1")));
        Assert.False(new ClusterOptionsValidator(Microsoft.Extensions.Options.Options.Create(new DigitalWeRoom.Sfu.Server.Telemetry.TelemetryOptions())).Validate(null, bound).Failed);
    }

    private static ClusterOptions Bind(Dictionary<string, string> environment)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(environment.Select(kv => KeyValuePair.Create(kv.Key.Replace("__", ":", StringComparison.Ordinal), (string?)Expand(kv.Value))))
            .Build();
        return config.GetSection(ClusterOptions.SectionName).Get<ClusterOptions>()!;
    }

    /// <summary>Compose's <c>${VAR:-default}</c> with the default taken.</summary>
    private static string Expand(string value) =>
        System.Text.RegularExpressions.Regex.Replace(value, @"\$\{[A-Z_]+:-([^}]*)\}", m => m.Groups[1].Value);

    private static Dictionary<string, string> Environment(YamlMappingNode service) =>
        ((YamlMappingNode)service["environment"]).Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value!);

    private static YamlMappingNode[] Load(string path)
    {
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(reader);
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }
}
