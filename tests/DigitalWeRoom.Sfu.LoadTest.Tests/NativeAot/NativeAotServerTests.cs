using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Runner;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using DigitalWeRoom.Sfu.LoadTest.Tests.Faults;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Tests.Deploy.Boot;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.NativeAot;

/// <summary>
/// The Native AOT build works, not only compiles: the published native executable (the container image's, shared with
/// the boot tests of Server.Tests through <see cref="PublishedServer"/>) boots, answers /healthz and
/// /metrics and MessagePack signaling, and carries a real 3-participant SFU meeting (signaling, ICE, DTLS, SRTP, forwarding) with nothing lost.
/// </summary>
[Collection("loopback-sockets")]
public class NativeAotServerTests
{
    [NativeAotFact]
    public async Task PublishedNativeServer_Boots_AnswersHealthAndMetrics_AndForwardsA3PersonMeetingWithoutLoss()
    {
        string executable = PublishedServer.Executable;
        Assert.False(File.Exists(Path.ChangeExtension(executable, ".dll")), "a Native AOT publish has no IL assembly of the server");

        using var server = ServerProcess.Native(executable, ServerProcess.FreePort());
        await server.WaitReadyAsync(TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("/dotnet", File.ReadAllText($"/proc/{server.Id}/cmdline"), StringComparison.Ordinal);

        using (var ready = await server.Http.GetAsync("healthz/ready"))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
            Assert.Equal("healthy", body.RootElement.GetProperty("status").GetString());
            Assert.NotEmpty(body.RootElement.GetProperty("checks").EnumerateObject());
        }

        // The MessagePack subprotocol: the codec reads and writes it without run-time code generation.
        using (var packed = new ClientWebSocket())
        {
            packed.Options.AddSubProtocol(SignalingCodec.MessagePackSubprotocol);
            await packed.ConnectAsync(server.WebSocketUri, CancellationToken.None);
            Assert.Equal(SignalingCodec.MessagePackSubprotocol, packed.SubProtocol);
            var join = SignalingCodec.Encode(new SignalMessage { Type = MessageTypes.Join, Room = "aot-packed", Name = "packed" }, SignalEncoding.MessagePack);
            await packed.SendAsync(join, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
            var buffer = new byte[64 * 1024];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            SignalMessage reply;
            do
            {
                var frame = await packed.ReceiveAsync(buffer, timeout.Token);
                Assert.Equal(WebSocketMessageType.Binary, frame.MessageType);
                Assert.True(frame.EndOfMessage);
                Assert.True(SignalingCodec.TryDecode(buffer.AsMemory(0, frame.Count), SignalEncoding.MessagePack, out reply, out var error), error);
                Assert.NotEqual(MessageTypes.Error, reply.Type);
            }
            while (reply.Type != MessageTypes.Joined);
            Assert.False(string.IsNullOrEmpty(reply.ParticipantId));
        }

        var plan = ScenarioPlan.Meeting(3, TimeSpan.FromSeconds(5));
        var options = new RunOptions
        {
            Media = new MediaProfile { VideoBitrate = 500_000, VideoFps = 15, KeyFrameInterval = TimeSpan.FromSeconds(1) },
            Warmup = TimeSpan.FromMilliseconds(500),
            Drain = TimeSpan.FromSeconds(1),
        };
        await using var target = new ServerTarget(server.WebSocketUri, allowNetns: false);
        var runner = new LoadRunner(plan, target, options);
        RunResult result = await runner.RunAsync();

        Assert.True(result.Failed == 0, string.Join("; ", result.Errors) + "\n" + server.Output);
        Assert.Equal(3, result.Connected);
        Assert.Equal(0, result.MissingStreams);
        Assert.True(result.PacketsLost == 0, $"lost {result.PacketsLost} of {result.PacketsExpected}");
        Assert.True(result.PacketsExpected > 500, $"only {result.PacketsExpected} packets expected");

        // The forwarded packets show in the Prometheus exposition the native build serves.
        string metrics = await server.Http.GetStringAsync("metrics");
        double forwarded = Regex.Matches(metrics, @"(?m)^sfu_packets_total\{[^}]*direction=""out""[^}]*\} (\S+)")
            .Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.True(forwarded >= result.PacketsExpected / 2, $"sfu_packets_total out {forwarded} for {result.PacketsExpected} expected:\n{metrics}");
        Assert.False(server.HasExited, server.Output);
    }
}
