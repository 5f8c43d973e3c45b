using System.Diagnostics;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting.Ipv6Only;

/// <summary>
/// A real server program (HAProxy, coturn) in the foreground, in a network namespace or in the test's own, with its
/// output in a log file the test prints when it ends. Disposing kills it.
/// </summary>
internal sealed class NamespaceDaemon : IDisposable
{
    private readonly Process _process;
    private readonly string? _namespace;

    private NamespaceDaemon(Process process, string? ns, string log)
    {
        _process = process;
        _namespace = ns;
        LogPath = log;
    }

    public string LogPath { get; }

    /// <summary>Starts <paramref name="file"/> with <paramref name="arguments"/> (inside <paramref name="ns"/> when given) and waits until it listens on TCP <paramref name="port"/>.</summary>
    public static async Task<NamespaceDaemon> StartAsync(string? ns, string file, string arguments, string log, int port)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            ArgumentList = { "-c", $"exec {(ns is null ? "" : $"ip netns exec {ns} ")}{file} {arguments} >>{log} 2>&1" },
        };
        var daemon = new NamespaceDaemon(Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start"), ns, log);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!daemon.Listens(port))
        {
            if (daemon._process.HasExited || DateTime.UtcNow > deadline)
            {
                var text = daemon.Log();
                daemon.Dispose();
                throw new InvalidOperationException($"{file} is not listening on TCP {port}: {text}");
            }

            await Task.Delay(100);
        }

        return daemon;
    }

    private bool Listens(int port)
    {
        var listing = _namespace is null
            ? ClientNamespace.Run("ss", $"-Hltn sport = :{port}")
            : ClientNamespace.Run("ip", $"netns exec {_namespace} ss -Hltn sport = :{port}");
        return listing.Trim().Length > 0;
    }

    public string Log() => File.Exists(LogPath) ? File.ReadAllText(LogPath) : "";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process.Dispose();
    }
}
