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
    private readonly ClientNamespace _ns;
    private ChromiumBrowser? _chromium;

    private Bottleneck(ClientNamespace ns) => _ns = ns;

    public string ServerAddress => _ns.HostAddress;

    public MeetingHost Host { get; private set; } = null!;

    /// <summary>True where the test can run (Linux, root, tc).</summary>
    public static bool Supported =>
        OperatingSystem.IsLinux() && Environment.UserName.Equals("root", StringComparison.Ordinal) && (File.Exists("/usr/sbin/tc") || File.Exists("/sbin/tc"));

    /// <summary>Makes the namespace, the link limited to <paramref name="rate"/> (tc syntax, e.g. <c>300kbit</c>) and the host.</summary>
    public static async Task<Bottleneck> CreateAsync(string rate)
    {
        var b = new Bottleneck(ClientNamespace.Create());
        try
        {
            ClientNamespace.Run("tc", $"qdisc add dev {b._ns.HostLink} root tbf rate {rate} burst 16kb latency 50ms");
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
            _chromium = await Chromium.LaunchAsync(_ns.WriteWrapper(Chromium.ExecutablePath), Chromium.Autoplay);
        }

        var addresses = Host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var outside = new Uri(addresses.First(a => a.Contains(ServerAddress, StringComparison.Ordinal)));
        return await Chromium.OpenPageAsync(_chromium.Browser, new Uri(outside, $"/r/{room}?name={name}").ToString(),
            gotoOptions: new PageGotoOptions { WaitUntil = WaitUntilState.DOMContentLoaded, Timeout = 30_000 });
    }

    /// <summary>Removes the rate limit (the link then runs at veth speed).</summary>
    public void Lift() => ClientNamespace.Run("tc", $"qdisc del dev {_ns.HostLink} root");

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

        _ns.Dispose();
    }
}
