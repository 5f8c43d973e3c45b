using YamlDotNet.RepresentationModel;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// deploy/docker/compose.yaml's <c>prometheus</c> service as compose would start it: the image's entrypoint
/// (<c>/bin/prometheus</c> in prom/prometheus) with the service's <c>command</c>, its bind mounts and the
/// <c>configs</c> it mounts (their <c>content</c> interpolated from the operator's environment), as the image's
/// user (nobody). Named volumes become <paramref name="volumeRoot"/>'s folders, as docker's volume store would.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed record ComposePrometheus(string[] Arguments, Dictionary<string, string> Files, Dictionary<string, string> Folders)
{
    /// <summary>prom/prometheus runs as <c>nobody</c>.</summary>
    public const int ImageUser = 65534;

    /// <summary>
    /// Reads the service. <see cref="Files"/>: container path → content (bind-mounted files read from the repo,
    /// configs interpolated); <see cref="Folders"/>: container path → host folder (named volumes).
    /// </summary>
    public static ComposePrometheus Read(IReadOnlyDictionary<string, string> shell, string volumeRoot)
    {
        var composePath = RepoPaths.Path("deploy", "docker", "compose.yaml");
        YamlMappingNode root;
        using (var reader = new StreamReader(composePath))
        {
            var stream = new YamlStream();
            stream.Load(reader);
            root = (YamlMappingNode)stream.Documents[0].RootNode;
        }

        var service = (YamlMappingNode)((YamlMappingNode)root["services"])["prometheus"];
        string[] arguments = [.. ((YamlSequenceNode)service["command"]).Children.Select(c => ((YamlScalarNode)c).Value!)];
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var volume in ((YamlSequenceNode)service["volumes"]).Children.Select(c => ((YamlScalarNode)c).Value!))
        {
            var parts = volume.Split(':');
            if (parts[0].StartsWith('.') || parts[0].StartsWith('/'))
            {
                var host = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(composePath)!, parts[0]));
                files[parts[1]] = File.ReadAllText(host);
            }
            else
            {
                folders[parts[1]] = Directory.CreateDirectory(Path.Combine(volumeRoot, parts[0])).FullName;
            }
        }

        if (service.Children.TryGetValue(new YamlScalarNode("configs"), out var configs))
        {
            var declared = (YamlMappingNode)root["configs"];
            foreach (var config in ((YamlSequenceNode)configs).Children.Cast<YamlMappingNode>())
            {
                var source = ((YamlScalarNode)config["source"]).Value!;
                var target = ((YamlScalarNode)config["target"]).Value!;
                var content = ((YamlScalarNode)((YamlMappingNode)declared[source])["content"]).Value ?? "";
                files[target] = ContainerArtifacts.Interpolate(content, shell);
            }
        }

        return new(arguments, files, folders);
    }

    private const UnixFileMode ReadableFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>
    /// The command that runs it here: a private mount namespace in which every file sits at its container path (one
    /// folder bind-mounted per container folder) and each named volume's folder is given to the server, then
    /// <c>setpriv</c> to the image's user and <c>/usr/bin/prometheus</c> (the Debian build of the same program).
    /// </summary>
    public string[] Command(string stagingRoot)
    {
        var mounts = new List<string>();
        foreach (var group in Files.GroupBy(f => Path.GetDirectoryName(f.Key)!))
        {
            var staged = Directory.CreateDirectory(Path.Combine(stagingRoot, group.Key.Trim('/').Replace('/', '_'))).FullName;
            File.SetUnixFileMode(staged, ReadableFolder);
            foreach (var (target, content) in group)
            {
                var file = Path.Combine(staged, Path.GetFileName(target));
                File.WriteAllText(file, content);
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }

            mounts.Add($"mount --bind '{staged}' '{group.Key}'");
        }

        var arguments = Arguments.Select(a =>
        {
            foreach (var (target, folder) in Folders)
            {
                if (a.EndsWith("=" + target, StringComparison.Ordinal))
                {
                    return a[..^target.Length] + folder;
                }
            }

            return a;
        });
        var script = string.Join(" && ", mounts) + $" && exec /usr/bin/setpriv --reuid={ImageUser} --regid={ImageUser} --clear-groups /usr/bin/prometheus "
            + string.Join(' ', arguments.Select(a => $"'{a}'"));
        return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script];
    }
}
