using System.Diagnostics;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// A downlink bottleneck for one subscriber: a veth pair into a test-made network namespace with a token bucket
/// (tc tbf; netem is not in this kernel) on the server side, a meeting host listening on the veth address too, and
/// a Chromium launched inside the namespace (receives only: its page is on an insecure origin, so no camera).
/// </summary>
internal sealed class Bottleneck : IAsyncDisposable
{
    private readonly string _ns;
    private readonly string _hostSide;
    private readonly string _wrapper;
    private ChromiumBrowser? _chromium;

    private Bottleneck(string tag, int octet)
    {
        _ns = $"dwr-bw{tag}";
        _hostSide = $"dwb{tag}a";
        ServerAddress = $"10.77.{octet}.1";
        _wrapper = Path.Combine(Path.GetTempPath(), $"chromium-{_ns}.sh");
    }

    public string ServerAddress { get; }

    public MeetingHost Host { get; private set; } = null!;

    /// <summary>True where the test can run (Linux, root, tc).</summary>
    public static bool Supported =>
        OperatingSystem.IsLinux() && Environment.UserName.Equals("root", StringComparison.Ordinal) && (File.Exists("/usr/sbin/tc") || File.Exists("/sbin/tc"));

    /// <summary>Makes the namespace, the link limited to <paramref name="rate"/> (tc syntax, e.g. <c>300kbit</c>) and the host.</summary>
    public static async Task<Bottleneck> CreateAsync(string rate)
    {
        var tag = Random.Shared.Next(0x1000, 0xFFFF).ToString("x4", System.Globalization.CultureInfo.InvariantCulture);
        var b = new Bottleneck(tag, Random.Shared.Next(10, 250));
        try
        {
            var subSide = $"dwb{tag}b";
            var octets = b.ServerAddress[..b.ServerAddress.LastIndexOf('.')];
            Ip($"netns add {b._ns}");
            Ip($"link add {b._hostSide} type veth peer name {subSide}");
            Ip($"link set {subSide} netns {b._ns}");
            Ip($"addr add {b.ServerAddress}/24 dev {b._hostSide}");
            Ip($"link set {b._hostSide} up");
            Ip($"-n {b._ns} addr add {octets}.2/24 dev {subSide}");
            Ip($"-n {b._ns} link set {subSide} up");
            Ip($"-n {b._ns} link set lo up");
            Run("tc", $"qdisc add dev {b._hostSide} root tbf rate {rate} burst 16kb latency 50ms");
            b.Host = await MeetingHost.StartAsync(new()
            {
                ["Sfu:P2PEnabled"] = "false",
                ["urls"] = $"http://127.0.0.1:0;http://{b.ServerAddress}:0",
                ["Sfu:Udp:BindAddress"] = "0.0.0.0",
                ["Sfu:Udp:AnnouncedAddresses:0"] = b.ServerAddress,
            });
            return b;
        }
        catch
        {
            await b.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens /r/{room}?name={name} in the Chromium behind the bottleneck.</summary>
    public async Task<IPage> OpenBehindAsync(string room, string name)
    {
        if (_chromium is null)
        {
            await File.WriteAllTextAsync(_wrapper, $"#!/bin/sh\nexec ip netns exec {_ns} {Chromium.ExecutablePath} \"$@\"\n");
            if (OperatingSystem.IsWindows())
            {
                throw new PlatformNotSupportedException("network namespaces need Linux");
            }

            File.SetUnixFileMode(_wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            _chromium = await Chromium.LaunchAsync(_wrapper, Chromium.Autoplay);
        }

        var addresses = Host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var outside = new Uri(addresses.First(a => a.Contains(ServerAddress, StringComparison.Ordinal)));
        return await Chromium.OpenPageAsync(_chromium.Browser, new Uri(outside, $"/r/{room}?name={name}").ToString(),
            gotoOptions: new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 30_000 });
    }

    /// <summary>Removes the rate limit (the link then runs at veth speed).</summary>
    public void Lift() => Run("tc", $"qdisc del dev {_hostSide} root");

    public async ValueTask DisposeAsync()
    {
        if (_chromium is not null)
        {
            await _chromium.DisposeAsync();
        }

        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        Ip($"netns del {_ns}", check: false);
        Ip($"link del {_hostSide}", check: false);
        File.Delete(_wrapper);
    }

    private static void Ip(string arguments, bool check = true) => Run("ip", arguments, check);

    private static void Run(string file, string arguments, bool check = true)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments}: exit {process.ExitCode}: {error}");
        }
    }
}
