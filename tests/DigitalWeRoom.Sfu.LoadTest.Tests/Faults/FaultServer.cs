using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Faults;

/// <summary>The real server on Kestrel in this process (127.0.0.1, ephemeral ports), with per-test settings.</summary>
internal sealed class FaultServer : WebApplicationFactory<global::Program>
{
    private readonly (string Key, string Value)[] _settings;

    public FaultServer(params (string Key, string Value)[] settings)
    {
        _settings = settings;
        UseKestrel();
        StartServer();
        BaseUri = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri BaseUri { get; }

    public Uri WebSocketUri => new UriBuilder(BaseUri) { Scheme = "ws", Path = "/ws" }.Uri;

    public HttpClient Http { get; }

    /// <summary>Sum of every sample of a metric family in the Prometheus text at /metrics.</summary>
    public async Task<double> MetricSumAsync(string family)
    {
        string text = await Http.GetStringAsync("/metrics");
        double sum = 0;
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(family, StringComparison.Ordinal)) continue;
            string rest = line[family.Length..];
            if (rest.Length > 0 && rest[0] != '{' && rest[0] != ' ' && !rest.StartsWith("_total", StringComparison.Ordinal)) continue;
            sum += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return sum;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseSetting("Sfu:Udp:BindAddress", "127.0.0.1");
        builder.UseSetting("Sfu:Udp:Port", "0");
        builder.UseSetting("Sfu:Tcp:Port", "0");
        builder.UseSetting("Sfu:P2PEnabled", "false");
        builder.UseSetting("Sfu:Limits:JoinsPerIpPerMinute", "1000");
        // Every simulated participant connects from 127.0.0.1.
        builder.UseSetting("Sfu:Limits:ConnectionsPerIp", "10000");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Http.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>Synthetic participants of one meeting, paced, joined through <see cref="ServerTarget"/>.</summary>
internal sealed class FaultMeeting : IAsyncDisposable
{
    private readonly DigitalWeRoom.Sfu.LoadTest.Runner.Pacer _pacer = new(TimeSpan.FromMilliseconds(2));

    public FaultMeeting(ServerTarget target, int participants, MediaProfile? profile = null)
        : this(target, ScenarioPlan.Meeting(participants, TimeSpan.FromMinutes(5)), profile)
    {
    }

    /// <summary>Any plan's participants (joined in plan order by <see cref="JoinAllAsync"/>).</summary>
    public FaultMeeting(ServerTarget target, ScenarioPlan plan, MediaProfile? profile = null)
    {
        Target = target;
        profile ??= new MediaProfile { VideoBitrate = 300_000, VideoFps = 15, KeyFrameInterval = TimeSpan.FromSeconds(1) };
        People = [.. plan.Participants.Select(p => new SyntheticParticipant(p, profile, plan.PublisherCount))];
    }

    public ServerTarget Target { get; }

    public SyntheticParticipant[] People { get; }

    public async Task JoinAllAsync()
    {
        foreach (var p in People)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Target.JoinAsync(p, cts.Token);
            foreach (var s in p.Streams) _pacer.Add(s, p);
        }
    }

    public void StopSending(SyntheticParticipant p)
    {
        foreach (var s in p.Streams) _pacer.Remove(s);
    }

    public string IdOf(SyntheticParticipant p) =>
        Target.MessagesOf(p).First(m => (string?)m["type"] == "joined")["participantId"]!.GetValue<string>();

    /// <summary>Packets <paramref name="receiver"/> got from <paramref name="sender"/>'s streams (unique sequence numbers).</summary>
    public static long ReceivedFrom(SyntheticParticipant receiver, SyntheticParticipant sender) =>
        sender.Streams.Sum(s => receiver.ReceivedFrom(s.Publisher, s.Kind)?.Unique ?? 0);

    /// <summary>Waits until everyone present receives every other present participant's streams.</summary>
    public async Task WaitAllReceivingAsync(IEnumerable<SyntheticParticipant> present, TimeSpan timeout)
    {
        var list = present.ToArray();
        await Eventually.TrueAsync(() => list.All(r => list.Where(s => s != r).All(s => s.Streams.All(st => r.ReceivedFrom(st.Publisher, st.Kind) is { Any: true }))),
            timeout, "everyone receives everyone");
    }

    public async ValueTask DisposeAsync()
    {
        await _pacer.DisposeAsync();
        await Target.DisposeAsync();
    }
}

internal static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for: {what}");
            await Task.Delay(50);
        }
    }

    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for: {what}");
            await Task.Delay(100);
        }
    }
}

/// <summary>A join over a bare WebSocket, the way a flood or a late client sends it.</summary>
internal static class RawSignaling
{
    /// <summary>Connects, sends one join and returns the server's first answer.</summary>
    public static async Task<JsonNode> JoinAsync(ClientWebSocket socket, Uri ws, string room, string name)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await socket.ConnectAsync(ws, cts.Token);
        var join = Encoding.UTF8.GetBytes(new JsonObject { ["type"] = "join", ["room"] = room, ["name"] = name, ["p2p"] = false }.ToJsonString());
        await socket.SendAsync(join, WebSocketMessageType.Text, true, cts.Token);
        var buffer = new byte[64 * 1024];
        var r = await socket.ReceiveAsync(buffer, cts.Token);
        return JsonNode.Parse(Encoding.UTF8.GetString(buffer, 0, r.Count))!;
    }
}
