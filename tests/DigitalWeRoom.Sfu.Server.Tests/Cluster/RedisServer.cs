using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace DigitalWeRoom.Sfu.Server.Tests.Cluster;

/// <summary>
/// The real Debian <c>redis-server</c> (installed by test.sh) on a free loopback port, without persistence
/// (<c>--save '' --appendonly no</c>), so a restart comes back empty as after a crash. Stop and start it again on the same port.
/// </summary>
internal sealed class RedisServer : IDisposable
{
    private Process? _process;

    public RedisServer()
    {
        Port = FreePort();
        Start();
    }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public void Start()
    {
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(a);
        }

        _process = Process.Start(start)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Command("PING") != "+PONG")
        {
            if (DateTime.UtcNow > deadline || _process.HasExited)
            {
                throw new InvalidOperationException($"redis-server did not start on port {Port}");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>SIGKILL: Redis is gone with everything it held.</summary>
    public void Stop()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill();
            p.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>One inline command over RESP (e.g. "INFO commandstats"), the reply's text; null when Redis cannot be reached.</summary>
    public string? Command(string command)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            using var stream = client.GetStream();
            stream.ReadTimeout = 2000;
            var parts = command.Split(' ');
            var request = new StringBuilder().Append('*').Append(parts.Length).Append("\r\n");
            foreach (var p in parts)
            {
                request.Append('$').Append(Encoding.UTF8.GetByteCount(p)).Append("\r\n").Append(p).Append("\r\n");
            }

            stream.Write(Encoding.UTF8.GetBytes(request.ToString()));
            var buffer = new byte[64 * 1024];
            int n = stream.Read(buffer);
            var text = Encoding.UTF8.GetString(buffer, 0, n);
            if (text.StartsWith('$') && text.IndexOf("\r\n", StringComparison.Ordinal) is var eol and > 0)
            {
                int length = int.Parse(text[1..eol], System.Globalization.CultureInfo.InvariantCulture);
                while (length >= 0 && Encoding.UTF8.GetByteCount(text) < eol + 2 + length)
                {
                    int more = stream.Read(buffer);
                    if (more <= 0)
                    {
                        break;
                    }

                    text += Encoding.UTF8.GetString(buffer, 0, more);
                }

                return length < 0 ? null : text.Substring(eol + 2, length);
            }

            return text.TrimEnd('\r', '\n');
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return null;
        }
    }

    public void Dispose() => Stop();

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
