namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// A <see cref="MeetingHost"/> for browsers in client namespaces (<see cref="Browser.ClientNamespace"/>): the page on
/// 127.0.0.1 and on the test namespace's end of a client link, media announcing only that address (no address
/// detection, so a test knows every candidate), and the origin and Chromium flag those browsers need.
/// </summary>
internal sealed class LinkHost : IAsyncDisposable
{
    private LinkHost(MeetingHost host, Uri origin)
    {
        Host = host;
        Origin = origin;
    }

    public MeetingHost Host { get; }

    /// <summary>The page's origin on the link address (where the browsers in client namespaces open it).</summary>
    public Uri Origin { get; }

    /// <summary>
    /// Chromium's flag that makes <see cref="Origin"/> (plain http, not localhost) a secure context, so the page may
    /// use the fake camera; Firefox takes <see cref="FirefoxMeetingTests.InsecureOriginMedia"/> instead.
    /// </summary>
    public string InsecureOriginFlag => $"--unsafely-treat-insecure-origin-as-secure={Origin.GetLeftPart(UriPartial.Authority)}";

    /// <summary>
    /// Starts the server on <paramref name="address"/> with <paramref name="settings"/> on top; media binds every
    /// address unless <paramref name="bindAddress"/> says otherwise.
    /// </summary>
    public static async Task<LinkHost> StartAsync(string address, Dictionary<string, string?>? settings = null, string bindAddress = "0.0.0.0")
    {
        var all = new Dictionary<string, string?>
        {
            ["urls"] = $"http://127.0.0.1:0;http://{address}:0",
            ["Sfu:Udp:BindAddress"] = bindAddress,
            ["Sfu:Udp:AnnouncedAddresses:0"] = address,
            ["Sfu:Udp:AutoDetectAddresses"] = "false",
        };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        var host = await MeetingHost.StartAsync(all);
        return new LinkHost(host, host.Addresses.First(a => a.Host == address));
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
