using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Faults;

/// <summary>
/// The real server as a child process (dotnet DigitalWeRoom.Sfu.Server.dll from this test's output), on
/// 127.0.0.1 and a chosen port, so tests can send it real signals and restart it on the same port. <see cref="Native"/>
/// starts a Native AOT executable instead (no dotnet host).
/// </summary>
internal sealed partial class ServerProcess : IDisposable
{
    private const int SigTerm = 15;
    private const int SigKill = 9;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public ServerProcess(int httpPort, params string[] settings)
        : this(null, httpPort, settings)
    {
    }

    private ServerProcess(string? executable, int httpPort, string[] settings)
    {
        HttpPort = httpPort;
        var start = new ProcessStartInfo(executable ?? "dotnet")
        {
            WorkingDirectory = executable is null ? AppContext.BaseDirectory : Path.GetDirectoryName(executable)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (executable is null)
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "DigitalWeRoom.Sfu.Server.dll"));
        }

        foreach (var a in new[] { $"--urls=http://127.0.0.1:{httpPort}", "--Sfu:Udp:BindAddress=127.0.0.1", "--Sfu:Udp:Port=0", "--Sfu:Tcp:Port=0",
            "--Sfu:P2PEnabled=false", "--Sfu:Limits:JoinsPerIpPerMinute=1000", "--Sfu:Limits:ConnectionsPerIp=10000", "--Logging:LogLevel:Default=Information" }.Concat(settings))
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["DOTNET_NOLOGO"] = "1";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(5) };
    }

    public int HttpPort { get; }

    /// <summary>The process id, for reading its /proc status.</summary>
    public int Id => _process.Id;

    /// <summary>A published native executable (Native AOT) with the same arguments as the dotnet-hosted server.</summary>
    public static ServerProcess Native(string executable, int httpPort, params string[] settings) => new(executable, httpPort, settings);

    public Uri BaseUri => new($"http://127.0.0.1:{HttpPort}/");

    public Uri WebSocketUri => new($"ws://127.0.0.1:{HttpPort}/ws");

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>A TCP port free right now on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Waits until /healthz/ready answers 200.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited) Assert.Fail($"server exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var r = await Http.GetAsync("healthz/ready");
                if (r.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline) Assert.Fail($"server not ready after {timeout.TotalSeconds} s:\n{Output}");
            await Task.Delay(100);
        }
    }

    /// <summary>kill(2) with SIGTERM, as an orchestrator stops a container (Process.Kill would send SIGKILL).</summary>
    public void Terminate() => Assert.Equal(0, Kill(_process.Id, SigTerm));

    /// <summary>SIGKILL: the server dies without any goodbye (a crash or an OOM kill).</summary>
    public void Crash() => _process.Kill(entireProcessTree: true);

    /// <summary>kill(2) with SIGKILL on the server process alone, at once (Crash walks the process tree first, which takes seconds on a busy machine).</summary>
    public void KillNow() => Assert.Equal(0, Kill(_process.Id, SigKill));

    public async Task<bool> WaitExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        Http.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
