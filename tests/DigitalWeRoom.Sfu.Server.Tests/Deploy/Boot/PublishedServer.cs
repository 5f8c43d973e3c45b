using System.Diagnostics;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// The server as the image holds it: <c>dotnet publish -p:UseAppHost=false</c> output (the Dockerfile's build
/// stage), made once per test run from the build this test already compiled (<c>--no-build</c>) into a temp
/// folder that every boot test shares and that is deleted when the test process ends.
/// </summary>
internal static class PublishedServer
{
    public const string Assembly = "DigitalWeRoom.Sfu.Server.dll";

    private const string Prefix = "dwr-boot-publish-";

    private static readonly Lazy<string> Folder = new(Publish, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The folder that stands for the image's <c>/app</c>.</summary>
    public static string AppFolder => Folder.Value;

    private static string Publish()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("the boot tests run Linux deployments (network namespaces, setpriv)");
        }

        DeleteLeftovers();
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
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

        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoPaths.Root,
        };
        foreach (var arg in new[] { "publish", RepoPaths.Path("src", "DigitalWeRoom.Sfu.Server", "DigitalWeRoom.Sfu.Server.csproj"),
                     "-c", configuration, "--no-build", "-o", app, "-p:UseAppHost=false", "--nologo", "-v", "q" })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish took more than 5 minutes");
        }

        if (process.ExitCode != 0 || !File.Exists(Path.Combine(app, Assembly)))
        {
            throw new InvalidOperationException($"dotnet publish failed ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }

        // The image's files are readable by its unprivileged user; so are these, for the uid the boots run as.
        File.SetUnixFileMode(root.FullName, (UnixFileMode)0b111_101_101);
        foreach (var dir in Directory.GetDirectories(app, "*", SearchOption.AllDirectories).Append(app))
        {
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        }

        foreach (var file in Directory.GetFiles(app, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
        }

        return app;
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
