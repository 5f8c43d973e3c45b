using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Faults;

/// <summary>
/// A network namespace this test makes, joined to the test's own namespace by a veth pair (10.77.81.1 here,
/// 10.77.81.2 there), deleted on dispose. <see cref="Run{T}"/> creates sockets inside it: a socket belongs to
/// the namespace of the thread that created it, so a dedicated thread enters the namespace (setns), builds, and
/// leaves. Needs root (test.sh runs the suite as root inside a loopback-only namespace).
/// </summary>
internal sealed partial class NetNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;

    public NetNamespace(string hostAddress = "10.77.81.1", string innerAddress = "10.77.81.2")
    {
        int id = Environment.ProcessId % 100000;
        Name = $"dwr-fault-{id}";
        string outside = $"dwf{id}a", inside = $"dwf{id}b";
        HostAddress = hostAddress;
        InnerAddress = innerAddress;
        Ip($"netns del {Name}", check: false);
        Ip($"link del {outside}", check: false);
        Ip($"netns add {Name}");
        Ip($"link add {outside} type veth peer name {inside}");
        Ip($"link set {inside} netns {Name}");
        Ip($"addr add {hostAddress}/24 dev {outside}");
        Ip($"link set {outside} up");
        Ip($"-n {Name} addr add {innerAddress}/24 dev {inside}");
        Ip($"-n {Name} link set {inside} up");
        Ip($"-n {Name} link set lo up");
    }

    public string Name { get; }

    public string HostAddress { get; }

    public string InnerAddress { get; }

    /// <summary>Runs a command inside the namespace (e.g. <c>nft ...</c>); returns its standard output.</summary>
    public string Exec(string file, string arguments) => Run("ip", $"netns exec {Name} {file} {arguments}", check: true);

    /// <summary>Runs <paramref name="create"/> on a thread that is inside the namespace, so the sockets it opens live there.</summary>
    public T Run<T>(Func<T> create)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            using SafeFileHandle original = File.OpenHandle("/proc/thread-self/ns/net");
            using SafeFileHandle target = File.OpenHandle($"/var/run/netns/{Name}");
            if (SetNs(target, CloneNewNet) != 0)
            {
                error = new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
                return;
            }
            try
            {
                result = create();
            }
            catch (Exception e)
            {
                error = e;
            }
            finally
            {
                if (SetNs(original, CloneNewNet) != 0) Environment.FailFast("could not leave the test network namespace");
            }
        });
        thread.Start();
        thread.Join();
        if (error is not null) throw new InvalidOperationException("creating inside the namespace failed", error);
        return result;
    }

    public void Dispose() => Ip($"netns del {Name}", check: false);

    private static void Ip(string arguments, bool check = true) => Run("ip", arguments, check);

    private static string Run(string file, string arguments, bool check)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(start)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (check && p.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments}: exit {p.ExitCode}: {stderr}");
        return stdout;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(SafeFileHandle fd, int nstype);
}
