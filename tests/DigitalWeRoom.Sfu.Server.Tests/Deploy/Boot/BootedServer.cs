using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// One deployment started the way its artifact starts it: <paramref name="command"/> (the entrypoint, with the
/// image's <c>/app</c> mapped to the published server) run inside <paramref name="ns"/> with exactly
/// <paramref name="environment"/> (nothing inherited from the test process), killed on dispose.
/// </summary>
internal sealed class BootedServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public BootedServer(BootNamespace ns, IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        Namespace = ns;
        var start = new ProcessStartInfo(ns.Exec[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var arg in ns.Exec.Skip(1).Concat(command))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public BootNamespace Namespace { get; }

    /// <summary>The server's process id: every step of the artifact's start (<c>ip netns exec</c>, sh, setpriv) execs in place.</summary>
    public int ProcessId => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Waits until <paramref name="readyUrl"/> answers 200; fails with the server's output if it exits or never does.</summary>
    public async Task WaitReadyAsync(Uri readyUrl, TimeSpan timeout)
    {
        using var client = Namespace.HttpClient();
        client.Timeout = TimeSpan.FromSeconds(3);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                Assert.Fail($"the server exited with {_process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync(readyUrl);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{readyUrl} did not answer 200 within {timeout.TotalSeconds} s:\n{Output}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>The real user and group id the server runs as (/proc/PID/status <c>Uid:</c>/<c>Gid:</c>, first field).</summary>
    public (int Uid, int Gid) Identity()
    {
        var status = File.ReadAllLines($"/proc/{ProcessId}/status");
        int Field(string name) => int.Parse(status.Single(l => l.StartsWith(name, StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return (Field("Uid:"), Field("Gid:"));
    }

    /// <summary>The environment the server process really has (/proc/PID/environ).</summary>
    public Dictionary<string, string> Environment()
    {
        var raw = File.ReadAllText($"/proc/{ProcessId}/environ");
        return raw.Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
