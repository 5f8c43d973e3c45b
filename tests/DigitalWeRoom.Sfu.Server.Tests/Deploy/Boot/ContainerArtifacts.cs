using System.Security.Cryptography;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// How a container artifact starts the server, read from the artifact: the command (image ENTRYPOINT, or the
/// manifest's command), the environment (image ENV, then the artifact's own), the user it runs as, and the
/// health check it declares. <c>/app</c> in the command is the image's folder (the published server).
/// </summary>
internal sealed record BootPlan(
    string Artifact, string[] Command, Dictionary<string, string> Environment, int Uid, int Gid, string[] HealthCheck)
{
    /// <summary>The Dockerfile's <paramref name="stage"/> alone: <c>docker run</c> of the image with no options.</summary>
    public static BootPlan FromImage(string stage)
    {
        var image = DockerfileStage.Read(stage);
        var uid = DockerfileStage.BaseImageUsers[image.User ?? "root"];
        return new($"Dockerfile target {stage}", image.Entrypoint, image.ImageEnvironment(), uid, uid, image.HealthCheck);
    }
}

/// <summary>The compose service and the Kubernetes DaemonSet, layered on the image they run.</summary>
internal static partial class ContainerArtifacts
{
    /// <summary>
    /// deploy/docker/compose.yaml's <c>sfu</c> service: its build target's image, then its <c>environment</c> with
    /// compose's variable interpolation from <paramref name="shell"/> (the operator's environment or .env file):
    /// <c>${X}</c>, <c>${X:-default}</c>, <c>${X-default}</c>, <c>${X:?error}</c>, <c>${X?error}</c>, <c>$$</c>.
    /// </summary>
    public static BootPlan Compose(IReadOnlyDictionary<string, string> shell)
    {
        var service = (YamlMappingNode)((YamlMappingNode)Load(RepoPaths.Path("deploy", "docker", "compose.yaml"))[0]["services"])["sfu"];
        var target = Scalar((YamlMappingNode)service["build"], "target");
        var plan = BootPlan.FromImage(target);
        var env = plan.Environment;
        switch (service["environment"])
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    env[((YamlScalarNode)key).Value!] = Interpolate(((YamlScalarNode)value).Value ?? "", shell);
                }

                break;
            case YamlSequenceNode list:
                foreach (var item in list.Children.Select(c => ((YamlScalarNode)c).Value!))
                {
                    var pair = item.Split('=', 2);
                    env[pair[0]] = Interpolate(pair.Length > 1 ? pair[1] : "", shell);
                }

                break;
        }

        var uid = plan.Uid;
        if (service.Children.TryGetValue(new YamlScalarNode("user"), out var user))
        {
            uid = int.Parse(((YamlScalarNode)user).Value!.Split(':')[0], System.Globalization.CultureInfo.InvariantCulture);
        }

        var health = ((YamlSequenceNode)((YamlMappingNode)service["healthcheck"])["test"]).Children.Select(c => ((YamlScalarNode)c).Value!).ToArray();
        return plan with { Artifact = "compose service sfu", Environment = env, Uid = uid, Gid = uid, HealthCheck = health[0] == "CMD" ? health[1..] : health };
    }

    /// <summary>
    /// deploy/docker/compose.cluster.yaml's node <paramref name="serviceName"/>: the image of the build target in its
    /// <c>&lt;&lt;: *sfu</c> anchor, then its <c>environment</c> interpolated from <paramref name="shell"/>.
    /// </summary>
    public static BootPlan ComposeClusterNode(string serviceName, IReadOnlyDictionary<string, string> shell)
    {
        var service = (YamlMappingNode)ClusterServices()[serviceName];
        var anchor = (YamlMappingNode)service["<<"];
        var plan = BootPlan.FromImage(Scalar((YamlMappingNode)anchor["build"], "target"));
        foreach (var (key, value) in (YamlMappingNode)service["environment"])
        {
            plan.Environment[((YamlScalarNode)key).Value!] = Interpolate(((YamlScalarNode)value).Value ?? "", shell);
        }

        return plan with { Artifact = $"compose.cluster.yaml service {serviceName}" };
    }

    /// <summary>deploy/docker/compose.yaml's <paramref name="serviceName"/> <c>command</c>, interpolated from <paramref name="shell"/>.</summary>
    public static string[] ComposeServiceCommand(string serviceName, IReadOnlyDictionary<string, string> shell) =>
        [.. ((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)Load(RepoPaths.Path("deploy", "docker", "compose.yaml"))[0]["services"])[serviceName])["command"])
            .Children.Select(c => Interpolate(((YamlScalarNode)c).Value ?? "", shell))];

    /// <summary>deploy/docker/compose.yaml's <paramref name="serviceName"/> <c>volumes</c> (short syntax), interpolated: host source, container target.</summary>
    public static (string Source, string Target)[] ComposeServiceVolumes(string serviceName, IReadOnlyDictionary<string, string> shell) =>
        [.. ((YamlSequenceNode)ComposeService(serviceName)["volumes"]).Children
            .Select(c => Interpolate(((YamlScalarNode)c).Value!, shell).Split(':'))
            .Select(parts => (parts[0], parts[1]))];

    /// <summary>deploy/docker/compose.yaml's <paramref name="serviceName"/> <c>image</c>, interpolated.</summary>
    public static string ComposeServiceImage(string serviceName, IReadOnlyDictionary<string, string> shell) =>
        Interpolate(Scalar(ComposeService(serviceName), "image"), shell);

    /// <summary>
    /// <paramref name="arguments"/> as the service sees them, with each path under a bind mount's container target
    /// rewritten to the host source that stands for it here (the test's folder).
    /// </summary>
    public static string[] MapVolumes(IEnumerable<string> arguments, (string Source, string Target)[] volumes)
    {
        string Map(string path) =>
            volumes.FirstOrDefault(v => path == v.Target || path.StartsWith(v.Target + "/", StringComparison.Ordinal)) is { Target: not null } v
                ? v.Source + path[v.Target.Length..]
                : path;

        // A path is a whole argument (--dir /tls) or an option's value (--cert=/etc/coturn/tls/cert.pem).
        return [.. arguments.Select(a => a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('=', StringComparison.Ordinal) is > 0 and var eq
            ? a[..(eq + 1)] + Map(a[(eq + 1)..])
            : Map(a))];
    }

    private static YamlMappingNode ComposeService(string serviceName) =>
        (YamlMappingNode)((YamlMappingNode)Load(RepoPaths.Path("deploy", "docker", "compose.yaml"))[0]["services"])[serviceName];

    /// <summary>deploy/docker/compose.cluster.yaml's <c>redis</c> service command.</summary>
    public static string[] ComposeClusterRedisCommand() =>
        [.. ((YamlSequenceNode)((YamlMappingNode)ClusterServices()["redis"])["command"]).Children.Select(c => ((YamlScalarNode)c).Value ?? "")];

    private static YamlMappingNode ClusterServices() =>
        (YamlMappingNode)Load(RepoPaths.Path("deploy", "docker", "compose.cluster.yaml"))[0]["services"];

    /// <summary>
    /// deploy/k8s/sfu.yaml's DaemonSet container: the image (Dockerfile runtime target), its <c>env</c> with
    /// <c>valueFrom.secretKeyRef</c> resolved from the manifest's Secret, whose values the operator replaces before
    /// applying: here each is <c>openssl rand -hex 24</c>, as the manifest says, returned in <paramref name="secrets"/>.
    /// The pod's (or container's) <c>securityContext.runAsUser/runAsGroup</c> decide the user.
    /// </summary>
    public static BootPlan Kubernetes(out Dictionary<string, string> secrets)
    {
        var docs = Load(RepoPaths.Path("deploy", "k8s", "sfu.yaml"));
        var secretDocs = docs.Where(d => Scalar(d, "kind") == "Secret").ToDictionary(d => Scalar((YamlMappingNode)d["metadata"], "name"));
        var daemonSet = docs.Single(d => Scalar(d, "kind") == "DaemonSet");
        var pod = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)daemonSet["spec"])["template"])["spec"];
        var container = (YamlMappingNode)((YamlSequenceNode)pod["containers"]).Children[0];
        var plan = BootPlan.FromImage("runtime");
        var env = plan.Environment;
        secrets = [];
        foreach (var entry in ((YamlSequenceNode)container["env"]).Children.Cast<YamlMappingNode>())
        {
            var name = Scalar(entry, "name");
            if (entry.Children.TryGetValue(new YamlScalarNode("value"), out var value))
            {
                env[name] = ((YamlScalarNode)value).Value ?? "";
                continue;
            }

            var reference = (YamlMappingNode)((YamlMappingNode)entry["valueFrom"])["secretKeyRef"];
            var secret = (YamlMappingNode)secretDocs[Scalar(reference, "name")]["stringData"];
            var key = Scalar(reference, "key");
            Assert.True(secret.Children.ContainsKey(new YamlScalarNode(key)), $"env {name} names key {key}, which the Secret does not have");
            env[name] = secrets.TryGetValue(key, out var generated) ? generated : secrets[key] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        }

        int RunAs(string field, int fallback)
        {
            foreach (var holder in new[] { container, pod })
            {
                if (holder.Children.TryGetValue(new YamlScalarNode("securityContext"), out var context)
                    && ((YamlMappingNode)context).Children.TryGetValue(new YamlScalarNode(field), out var id))
                {
                    return int.Parse(((YamlScalarNode)id).Value!, System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            return fallback;
        }

        var command = plan.Command;
        if (container.Children.TryGetValue(new YamlScalarNode("command"), out var overridden))
        {
            command = [.. ((YamlSequenceNode)overridden).Children.Select(c => ((YamlScalarNode)c).Value!)];
        }

        var probe = (YamlMappingNode)((YamlMappingNode)container["readinessProbe"])["httpGet"];
        string[] health = ["/app/" + PublishedServer.ExecutableName, "deploy", "healthcheck", "--url", $"http://127.0.0.1:{Scalar(probe, "port")}{Scalar(probe, "path")}"];
        return plan with { Artifact = "k8s DaemonSet sfu", Command = command, Environment = env, Uid = RunAs("runAsUser", plan.Uid), Gid = RunAs("runAsGroup", plan.Gid), HealthCheck = health };
    }

    internal static string Interpolate(string value, IReadOnlyDictionary<string, string> shell) =>
        ComposeVariableRegex().Replace(value, m =>
        {
            if (m.Value == "$$")
            {
                return "$";
            }

            var name = m.Groups["name"].Value;
            var op = m.Groups["op"].Value;
            var arg = m.Groups["arg"].Value;
            var isSet = shell.TryGetValue(name, out var current);
            var isEmpty = string.IsNullOrEmpty(current);
            return op switch
            {
                ":-" => isEmpty ? arg : current!,
                "-" => isSet ? current! : arg,
                ":?" => isEmpty ? throw new InvalidOperationException($"compose refuses to start: {name}: {arg}") : current!,
                "?" => isSet ? current! : throw new InvalidOperationException($"compose refuses to start: {name}: {arg}"),
                _ => current ?? "",
            };
        });

    private static List<YamlMappingNode> Load(string path)
    {
        using var reader = new StreamReader(path);
        var stream = new YamlStream();
        stream.Load(reader);
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;

    [GeneratedRegex(@"\$\$|\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:-|-|:\?|\?)(?<arg>[^}]*))?\}")]
    private static partial Regex ComposeVariableRegex();
}
