using System.Text.Json;
using System.Text.RegularExpressions;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// One stage of deploy/docker/Dockerfile as a container engine reads it: the <c>ENV</c> it sets, its <c>USER</c>,
/// <c>WORKDIR</c>, exec-form <c>ENTRYPOINT</c> and <c>HEALTHCHECK CMD</c> (Dockerfile reference: continuation lines,
/// <c>ENV key=value ...</c> with optional double quotes, and the legacy <c>ENV key value</c>).
/// </summary>
internal sealed partial class DockerfileStage
{
    /// <summary>
    /// What the base image mcr.microsoft.com/dotnet/runtime-deps:10.0 (plain and chiseled) brings before the stage's
    /// own ENV (its published Dockerfiles set APP_UID, ASPNETCORE_HTTP_PORTS and DOTNET_RUNNING_IN_CONTAINER and create
    /// the non-root user <c>app</c> with UID 1654), plus the PATH a container gets.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> BaseImageEnvironment = new Dictionary<string, string>
    {
        ["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ["APP_UID"] = "1654",
        ["ASPNETCORE_HTTP_PORTS"] = "8080",
        ["DOTNET_RUNNING_IN_CONTAINER"] = "true",
    };

    /// <summary>The base image's users: <c>app</c> is 1654 (and its group 1654), <c>root</c> 0.</summary>
    public static readonly IReadOnlyDictionary<string, int> BaseImageUsers = new Dictionary<string, int> { ["app"] = 1654, ["root"] = 0 };

    private DockerfileStage(string name, string text)
    {
        Name = name;
        var lines = ContinuationRegex().Replace(text, " ").Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();
        foreach (var line in lines.Where(l => l.StartsWith("ENV ", StringComparison.Ordinal)))
        {
            ParseEnv(line[4..].Trim(), Environment);
        }

        User = Last(lines, "USER");
        WorkingDirectory = Last(lines, "WORKDIR");
        Entrypoint = Last(lines, "ENTRYPOINT") is { } entrypoint ? JsonArray(entrypoint) : [];
        var health = lines.LastOrDefault(l => l.StartsWith("HEALTHCHECK ", StringComparison.Ordinal));
        HealthCheck = health is null ? [] : JsonArray(health[(health.IndexOf(" CMD ", StringComparison.Ordinal) + 5)..]);
    }

    public string Name { get; }

    /// <summary>The stage's ENV in order (later ones win), not including <see cref="BaseImageEnvironment"/>.</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public string? User { get; }

    public string? WorkingDirectory { get; }

    public string[] Entrypoint { get; }

    public string[] HealthCheck { get; }

    /// <summary>The image's environment as a container sees it: base image, then this stage's ENV.</summary>
    public Dictionary<string, string> ImageEnvironment()
    {
        var env = new Dictionary<string, string>(BaseImageEnvironment, StringComparer.Ordinal);
        foreach (var (key, value) in Environment)
        {
            env[key] = value;
        }

        return env;
    }

    public static DockerfileStage Read(string stage)
    {
        var text = File.ReadAllText(RepoPaths.Path("deploy", "docker", "Dockerfile"));
        var froms = FromRegex().Matches(text).ToArray();
        for (var i = 0; i < froms.Length; i++)
        {
            if (froms[i].Groups["stage"].Value == stage)
            {
                var end = i + 1 < froms.Length ? froms[i + 1].Index : text.Length;
                return new DockerfileStage(stage, text[froms[i].Index..end]);
            }
        }

        throw new InvalidOperationException($"the Dockerfile has no stage '{stage}'");
    }

    private static string? Last(string[] lines, string instruction) =>
        lines.LastOrDefault(l => l.StartsWith(instruction + " ", StringComparison.Ordinal))?[(instruction.Length + 1)..].Trim();

    private static string[] JsonArray(string text) => JsonSerializer.Deserialize<string[]>(text.Trim())
        ?? throw new InvalidOperationException("not an exec-form JSON array: " + text);

    private static void ParseEnv(string body, Dictionary<string, string> env)
    {
        if (!body.Split(' ', 2)[0].Contains('=', StringComparison.Ordinal))
        {
            // Legacy form: ENV key the rest of the line.
            var parts = body.Split(' ', 2, StringSplitOptions.TrimEntries);
            env[parts[0]] = parts.Length > 1 ? parts[1] : "";
            return;
        }

        foreach (Match pair in EnvPairRegex().Matches(body))
        {
            var value = pair.Groups["value"].Value;
            env[pair.Groups["key"].Value] = value.StartsWith('"') ? value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal) : value;
        }
    }

    [GeneratedRegex(@"\\\n")]
    private static partial Regex ContinuationRegex();

    [GeneratedRegex(@"^FROM\s+\S+(?:\s+AS\s+(?<stage>\S+))?", RegexOptions.Multiline)]
    private static partial Regex FromRegex();

    [GeneratedRegex(@"(?<key>[A-Za-z_][A-Za-z0-9_]*)=(?<value>""(?:[^""\\]|\\.)*""|\S*)")]
    private static partial Regex EnvPairRegex();
}
