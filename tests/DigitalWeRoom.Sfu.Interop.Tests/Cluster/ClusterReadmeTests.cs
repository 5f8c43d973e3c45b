using System.Diagnostics;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.Interop.Tests.Cluster;

/// <summary>
/// The README's three lines that run two nodes ("Two or more nodes") are run as written, from the repository root, in
/// a network namespace of their own (their fixed ports 6379, 7880/7882, 7890/7892 clash with nothing): both nodes
/// must come up and list each other from the shared Redis registry.
/// </summary>
public sealed class ClusterReadmeTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Readme_three_lines_start_two_nodes_that_see_each_other()
    {
        string root = ClusterNodes.RepoRoot();
        var lines = ReadmeLines(File.ReadAllText(Path.Combine(root, "README.md")));
        Assert.Equal(3, lines.Count);

        string dir = Directory.CreateTempSubdirectory("cluster-readme-").FullName;
        string log = Path.Combine(dir, "log"), result = Path.Combine(dir, "result");
        // Everything (Redis, the build, both servers) logs to a file; the check reads each node's registry view over
        // bash's /dev/tcp (no curl on a bare machine) until both list both nodes.
        string script = $$"""
            exec >'{{log}}' 2>&1
            ip link set lo up
            {{string.Join('\n', lines)}}
            get() { exec 3<>/dev/tcp/127.0.0.1/$1 || return 1; printf 'GET /api/cluster/nodes HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3; cat <&3; exec 3<&-; }
            for i in $(seq 1 240); do
              a=$(get 7880 2>/dev/null); b=$(get 7890 2>/dev/null)
              if [[ $a == *'"id":"a"'*'"id":"b"'* && $b == *'"id":"a"'*'"id":"b"'* ]]; then
                printf '%s\n%s\n' "${a##*$'\r\n\r\n'}" "${b##*$'\r\n\r\n'}" >'{{result}}'; exit 0
              fi
              sleep 1
            done
            exit 1
            """;
        var start = new ProcessStartInfo("setsid") { WorkingDirectory = root, UseShellExecute = false };
        foreach (var a in new[] { "unshare", "-n", "bash", "-c", script })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(6));
            await process.WaitForExitAsync(timeout.Token);
            string seen = File.Exists(result) ? File.ReadAllText(result) : "";
            output.WriteLine(seen);
            Assert.True(process.ExitCode == 0, "the two nodes did not come up and see each other:\n" + Tail(log));
            var views = seen.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, views.Length);
            Assert.All(views, v => Assert.Contains("\"url\":\"ws://localhost:7890/ws\"", v, StringComparison.Ordinal));
            Assert.All(views, v => Assert.Contains("\"url\":\"ws://localhost:7880/ws\"", v, StringComparison.Ordinal));
            Assert.All(views, v => Assert.DoesNotContain("draining", v, StringComparison.Ordinal));
        }
        finally
        {
            // The lines leave Redis and both servers running in the background: end the whole group (setsid made it ours).
            using var kill = Process.Start("kill", ["-KILL", "--", $"-{process.Id}"]);
            await kill.WaitForExitAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>The indented command lines of the README's "Two or more nodes" section.</summary>
    private static List<string> ReadmeLines(string readme)
    {
        int at = readme.IndexOf("## Two or more nodes", StringComparison.Ordinal);
        Assert.True(at >= 0, "README has no 'Two or more nodes' section");
        int end = readme.IndexOf("\n## ", at + 3, StringComparison.Ordinal);
        return [.. readme[at..(end < 0 ? readme.Length : end)].Split('\n').Where(l => l.StartsWith("    ", StringComparison.Ordinal)).Select(l => l.Trim())];
    }

    private static string Tail(string path) =>
        File.Exists(path) ? string.Join('\n', File.ReadAllLines(path).TakeLast(40)) : "(no log)";
}
