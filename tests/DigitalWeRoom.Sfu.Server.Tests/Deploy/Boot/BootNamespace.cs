using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

/// <summary>
/// A network namespace of its own for one boot, so every deployment listens on the ports its artifact names
/// (7880, 7882) without clashing with another boot or anything on the machine. It has loopback plus, on <c>lo</c>,
/// the addresses a grid VM has: a private-network address (<see cref="PrivateAddress"/>, the gateway's side
/// <see cref="GatewayAddress"/>) and a public IPv6 (<see cref="PublicIPv6"/>). Nothing is added to the caller's
/// namespace: the test's sockets are created inside this one (a socket belongs to the namespace of the thread that
/// creates it). Needs root (test.sh runs the suite as root).
/// </summary>
internal sealed partial class BootNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private static int _next;

    public BootNamespace()
    {
        Name = $"dwr-boot-{Environment.ProcessId}-{Interlocked.Increment(ref _next)}";
        Ip($"netns add {Name}");
        Ip($"-n {Name} link set lo up");
        Ip($"-n {Name} addr add {PrivateAddress}/24 dev lo");
        Ip($"-n {Name} addr add {GatewayAddress}/24 dev lo");
        Ip($"-n {Name} addr add {PublicIPv6}/64 dev lo nodad");
    }

    /// <summary>The VM's address in the grid deployment's private network (main.tf <c>local.private_network</c>).</summary>
    public static IPAddress PrivateAddress { get; } = IPAddress.Parse("10.20.2.2");

    /// <summary>Where the grid gateway's requests come from: the gateway node's address in that network.</summary>
    public static IPAddress GatewayAddress { get; } = IPAddress.Parse("10.20.3.1");

    /// <summary>Stands for the VM's public IPv6 (a documentation prefix, reachable only inside this namespace).</summary>
    public static IPAddress PublicIPv6 { get; } = IPAddress.Parse("2001:db8:7880::2");

    public string Name { get; }

    /// <summary><c>ip netns exec NAME</c>: the prefix that runs a command in here.</summary>
    public string[] Exec => ["ip", "netns", "exec", Name];

    /// <summary>An HTTP client whose connections start in this namespace, from <paramref name="source"/> when given.</summary>
    public HttpClient HttpClient(IPAddress? source = null) =>
        new(Handler(source), disposeHandler: true) { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>A WebSocket to <paramref name="uri"/> from inside this namespace.</summary>
    public async Task<ClientWebSocket> WebSocketAsync(Uri uri)
    {
        var socket = new ClientWebSocket();
        using var invoker = new HttpMessageInvoker(Handler(null));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(uri, invoker, timeout.Token);
        return socket;
    }

    /// <summary>
    /// Gives the namespace a network interface besides <c>lo</c> with <paramref name="cidr"/> (a veth pair with both
    /// ends inside), as a host's public interface: coturn picks its relay addresses only from such interfaces.
    /// </summary>
    public void AddPublicInterface(string cidr)
    {
        Ip($"-n {Name} link add pub0 type veth peer name pub1");
        Ip($"-n {Name} addr add {cidr} dev pub0");
        Ip($"-n {Name} link set pub0 up");
        Ip($"-n {Name} link set pub1 up");
    }

    /// <summary>A TCP connection to <paramref name="endpoint"/> made from inside this namespace.</summary>
    public async Task<Socket> ConnectAsync(IPEndPoint endpoint)
    {
        var socket = CreateSocket(endpoint.AddressFamily, null);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(endpoint, timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>True when a TCP connection to <paramref name="endpoint"/> is accepted (false: refused).</summary>
    public async Task<bool> AcceptsAsync(IPEndPoint endpoint)
    {
        using var socket = CreateSocket(endpoint.AddressFamily, null);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(endpoint, timeout.Token);
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return false;
        }
    }

    public void Dispose() => Ip($"netns del {Name}", check: false);

    private SocketsHttpHandler Handler(IPAddress? source) => new()
    {
        UseProxy = false,
        ConnectCallback = async (context, token) =>
        {
            var endpoint = context.DnsEndPoint;
            var remote = new IPEndPoint(IPAddress.Parse(endpoint.Host), endpoint.Port);
            var socket = CreateSocket(remote.AddressFamily, source);
            try
            {
                await socket.ConnectAsync(remote, token);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>Creates (and binds, when <paramref name="source"/> is given) a TCP socket on a thread inside the namespace.</summary>
    private Socket CreateSocket(AddressFamily family, IPAddress? source)
    {
        Socket? socket = null;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            using SafeFileHandle original = File.OpenHandle("/proc/thread-self/ns/net");
            using SafeFileHandle target = File.OpenHandle($"/var/run/netns/{Name}");
            if (SetNs(target, CloneNewNet) != 0)
            {
                error = new InvalidOperationException($"setns into {Name} failed: errno {Marshal.GetLastPInvokeError()} (the boot tests need root)");
                return;
            }

            try
            {
                socket = new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                if (source is not null)
                {
                    socket.Bind(new IPEndPoint(source, 0));
                }
            }
            catch (Exception e)
            {
                socket?.Dispose();
                socket = null;
                error = e;
            }
            finally
            {
                if (SetNs(original, CloneNewNet) != 0)
                {
                    Environment.FailFast("could not leave the boot test's network namespace");
                }
            }
        });
        thread.Start();
        thread.Join();
        return socket ?? throw new InvalidOperationException("creating a socket in " + Name + " failed", error);
    }

    private static void Ip(string arguments, bool check = true)
    {
        var start = new ProcessStartInfo("ip", arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {arguments}: exit {process.ExitCode}: {stderr} (the boot tests need root)");
        }
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(SafeFileHandle fd, int nstype);
}
