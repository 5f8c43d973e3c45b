using System.Diagnostics;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>The real executable: <c>DigitalWeRoom.Sfu.Server deploy ...</c> runs the command and exits, no web host.</summary>
public sealed class ProgramCommandTests
{
    [Fact]
    public async Task Server_binary_runs_the_deploy_subcommand()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = RepoPaths.Path("src", "DigitalWeRoom.Sfu.Server", "bin", configuration, "net10.0", "DigitalWeRoom.Sfu.Server.dll");
        Assert.True(File.Exists(dll), dll);
        var dir = Directory.CreateTempSubdirectory("dwr-program-");
        try
        {
            var (ok, okOut) = await RunAsync(dll, "deploy", "tfgrid", "--size", "large", "--location", "ghent", "--name", "Town_Hall",
                "--domain", "tf9.io", "--out", dir.FullName);
            Assert.True(ok == 0, okOut);
            Assert.Contains("name     = \"Town_Hall\"", File.ReadAllText(Path.Combine(dir.FullName, "terraform.tfvars")), StringComparison.Ordinal);

            var (bad, badOut) = await RunAsync(dll, "deploy", "tfgrid", "--size", "large", "--location", "ghent", "--name", "Town Hall",
                "--domain", "tf9.io", "--out", dir.FullName);
            Assert.Equal(1, bad);
            Assert.Contains("name: use 2-15 letters", badOut, StringComparison.Ordinal);

            // Nothing listens on port 9: the health probe must fail fast with a non-zero exit.
            var (unhealthy, unhealthyOut) = await RunAsync(dll, "deploy", "healthcheck", "--url", "http://127.0.0.1:9/healthz/ready");
            Assert.Equal(1, unhealthy);
            Assert.Contains("unhealthy", unhealthyOut, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(string dll, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
