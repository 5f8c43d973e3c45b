using System.Diagnostics;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// The server as the container image holds it in <c>/app</c>: the Native AOT publish of deploy/docker/Dockerfile's
/// build stage (<c>dotnet publish --use-current-runtime -p:PublishAot=true</c>), one native executable plus wwwroot and
/// appsettings.json. Shared by every test that stands for a deployment (the boot tests here, NativeAotServerTests in
/// LoadTest.Tests, which links this file): made once per test process, in a temp folder deleted when it ends.
/// <c>DWR_PUBLISHED_SERVER</c> names a folder already published from this tree (test.sh publishes once for all test
/// projects: the ILCompiler takes minutes on two cores); it is copied, so its modes can be the image's.
/// </summary>
internal static class PublishedServer
{
    /// <summary>The native executable's file name (the csproj's assembly name, no extension).</summary>
    public const string ExecutableName = "DigitalWeRoom.Sfu.Server";

    /// <summary>The variable that names a folder already published (test.sh sets it).</summary>
    public const string FolderVariable = "DWR_PUBLISHED_SERVER";

    /// <summary>Why <see cref="CanPublish"/> is false, for a skipped test.</summary>
    public const string CannotPublishReason = "the Native AOT publish needs clang on the PATH (apt-get install -y clang zlib1g-dev; test.sh installs it)";

    private const string Prefix = "dwr-published-";

    private static readonly Lazy<string> Folder = new(Prepare, LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly string? Given = Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } path ? path : null;

    /// <summary>The folder that stands for the image's <c>/app</c>.</summary>
    public static string AppFolder => Folder.Value;

    /// <summary>The native executable in <see cref="AppFolder"/>: the image's ENTRYPOINT.</summary>
    public static string Executable => Path.Combine(AppFolder, ExecutableName);

    /// <summary>Whether a publish is given, or clang (the Native AOT linker driver) is on the PATH to make one.</summary>
    public static bool CanPublish { get; } = Given is not null || (OperatingSystem.IsLinux() && (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries).Any(dir => File.Exists(Path.Combine(dir, "clang"))));

    private static string Prepare()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the image is Linux (network namespaces, setpriv, a linux native executable)");
        }

        if (!CanPublish)
        {
            throw new InvalidOperationException(CannotPublishReason);
        }

        DeleteLeftovers();
        var root = Directory.CreateTempSubdirectory($"{Prefix}{Environment.ProcessId}-");
        var app = Path.Combine(root.FullName, "app");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                root.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        };

        if (Given is not null)
        {
            Copy(Given, app);
        }
        else
        {
            Publish(app);
        }

        if (!File.Exists(Path.Combine(app, ExecutableName)) || File.Exists(Path.Combine(app, ExecutableName + ".dll")))
        {
            throw new InvalidOperationException($"{app} is not a Native AOT publish of the server (no {ExecutableName}, or an IL assembly next to it)");
        }

        // The image's files are readable by its unprivileged user and the executable runs; so here, for the uid the
        // boots run as. The debug symbols stay out (.dbg, .pdb), as the Dockerfile removes them.
        File.SetUnixFileMode(root.FullName, (UnixFileMode)0b111_101_101);
        foreach (var dir in Directory.GetDirectories(app, "*", SearchOption.AllDirectories).Append(app))
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        }

        foreach (var file in Directory.GetFiles(app, "*", SearchOption.AllDirectories))
        {
            if (file.EndsWith(".dbg", StringComparison.Ordinal) || file.EndsWith(".pdb", StringComparison.Ordinal))
            {
                File.Delete(file);
                continue;
            }

            File.SetUnixFileMode(file, Path.GetFileName(file) == ExecutableName ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100);
        }

        return app;
    }

    private static void Publish(string output)
    {
        string root = RepoRoot();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = root };
        foreach (var arg in new[] { "publish", Path.Combine(root, "src", "DigitalWeRoom.Sfu.Server", "DigitalWeRoom.Sfu.Server.csproj"),
                     "-c", "Release", "--use-current-runtime", "-p:PublishAot=true", "-o", output, "--nologo", "-v", "q" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // NOTE: the ILCompiler takes minutes on two busy cores; the bound only stops a hung publish.
        if (!process.WaitForExit(TimeSpan.FromMinutes(20)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish -p:PublishAot=true took more than 20 minutes");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"Native AOT publish failed ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    private static string RepoRoot()
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

    /// <summary>The test host may end without running exit handlers: remove the folders of runs whose process is gone.</summary>
    private static void DeleteLeftovers()
    {
        foreach (var dir in Directory.GetDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            var pid = Path.GetFileName(dir)[Prefix.Length..].Split('-')[0];
            if (int.TryParse(pid, System.Globalization.CultureInfo.InvariantCulture, out _) && !Directory.Exists("/proc/" + pid))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }
}
