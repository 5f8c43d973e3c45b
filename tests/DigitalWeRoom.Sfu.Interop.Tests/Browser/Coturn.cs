using System.Diagnostics;
using System.Net.Sockets;

namespace DigitalWeRoom.Sfu.Interop.Tests.Browser;

/// <summary>
/// The real coturn (<c>turnserver</c>, Debian; test.sh installs it) started by a test in the test namespace, with
/// short-lived credentials (<c>use-auth-secret</c>, the scheme the server mints per join). Stopped on dispose.
/// </summary>
internal sealed class Coturn : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _log = [];

    private Coturn(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>What coturn printed so far (for a failing test's output).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return string.Join("\n", _log.TakeLast(2000));
            }
        }
    }

    /// <summary>Whether any line coturn printed so far (not only the last ones <see cref="Log"/> keeps) contains <paramref name="text"/>.</summary>
    public bool Logged(string text)
    {
        lock (_log)
        {
            return _log.Exists(line => line.Contains(text, StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// Starts <c>turnserver</c> with <paramref name="arguments"/> and waits until it accepts TCP on
    /// <paramref name="address"/>:<paramref name="readyPort"/>.
    /// </summary>
    public static async Task<Coturn> StartAsync(IEnumerable<string> arguments, string address, int readyPort)
    {
        if (!File.Exists("/usr/bin/turnserver"))
        {
            throw new InvalidOperationException("coturn is not installed (test.sh installs it)");
        }

        var start = new ProcessStartInfo("turnserver") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        var coturn = new Coturn(Process.Start(start) ?? throw new InvalidOperationException("turnserver did not start"));
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(address, readyPort);
                return coturn;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !coturn._process.HasExited)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                var log = coturn.Log;
                await coturn.DisposeAsync();
                throw new InvalidOperationException($"turnserver did not listen on {address}:{readyPort}: {log}");
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.Add(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
