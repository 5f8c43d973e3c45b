using System.Diagnostics;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.NativeAot;

/// <summary>
/// The server published with Native AOT (<c>dotnet publish -r linux-x64 -p:PublishAot=true</c>, as
/// <c>BENCH_JIT=aot</c> in loadtest/bench-lib.sh publishes it), once per test run into a temp folder. The ILCompiler
/// links with clang, so the tests that need it are skipped (<see cref="NativeAotFactAttribute"/>) where clang is missing;
/// test.sh installs it. <c>DWR_NATIVE_AOT_SERVER</c> names an executable already published from this tree instead
/// (ILCompiler takes minutes on two cores).
/// </summary>
internal static class NativeAotServer
{
    public const string ExecutableName = "DigitalWeRoom.Sfu.Server";

    private static readonly Lazy<string> Published = new(Publish, LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly string? Given = Environment.GetEnvironmentVariable("DWR_NATIVE_AOT_SERVER") is { Length: > 0 } path ? path : null;

    /// <summary>The path of the native executable: the given one, or published on first use.</summary>
    public static string Executable => Given ?? Published.Value;

    /// <summary>Whether an executable is given, or clang (the Native AOT linker driver) is on the PATH to publish one.</summary>
    public static bool CanPublish { get; } = Given is not null || (OperatingSystem.IsLinux() && (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => File.Exists(Path.Combine(dir, "clang"))));

    private static string Publish()
    {
        string root = FindRepoRoot();
        var output = Directory.CreateTempSubdirectory($"dwr-aot-{Environment.ProcessId}-");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                output.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        };

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var arg in new[] { "publish", Path.Combine(root, "src", "DigitalWeRoom.Sfu.Server", "DigitalWeRoom.Sfu.Server.csproj"),
                     "-c", "Release", "-r", "linux-x64", "-p:PublishAot=true", "-o", output.FullName, "--nologo", "-v", "q" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // NOTE: ILCompiler takes minutes on two busy cores; the bound only stops a hung publish.
        if (!process.WaitForExit(TimeSpan.FromMinutes(20)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish -p:PublishAot=true took more than 20 minutes");
        }

        string executable = Path.Combine(output.FullName, ExecutableName);
        if (process.ExitCode != 0 || !File.Exists(executable))
        {
            throw new InvalidOperationException($"Native AOT publish failed ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }

        return executable;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DigitalWeRoom.Sfu.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("DigitalWeRoom.Sfu.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that needs the Native AOT toolchain: skipped, with the reason, where clang is not installed.</summary>
internal sealed class NativeAotFactAttribute : FactAttribute
{
    public NativeAotFactAttribute()
    {
        if (!NativeAotServer.CanPublish)
        {
            Skip = "Native AOT publish needs clang on the PATH (apt-get install -y clang zlib1g-dev; test.sh installs it).";
        }
    }
}
