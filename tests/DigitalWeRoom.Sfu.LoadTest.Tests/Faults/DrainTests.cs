using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Faults;

/// <summary>
/// SIGTERM on the real server process: readiness fails, joins are refused with <c>server-draining</c>, every
/// participant is told (<c>draining</c>), the process waits for the rooms to empty (or Sfu:DrainTimeout) and
/// exits with code 0; a second SIGTERM ends the wait at once.
/// </summary>
[Collection("loopback-sockets")]
public class DrainTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigterm_FailsReadiness_RefusesJoins_TellsClients_ExitsCleanlyOnceTheRoomIsEmpty()
    {
        using var server = new ServerProcess(ServerProcess.FreePort(), "--Sfu:DrainTimeout=00:00:40");
        await using var meeting = await JoinTwoAsync(server);
        await meeting.WaitAllReceivingAsync(meeting.People, TimeSpan.FromSeconds(20));

        var clock = Stopwatch.StartNew();
        server.Terminate();
        await Eventually.TrueAsync(async () => await StatusAsync(server, "healthz/ready") == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(10), "/healthz/ready fails while draining");
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, "healthz/live"));
        foreach (var p in meeting.People)
        {
            await Eventually.TrueAsync(() => meeting.Target.MessagesOf(p).Any(m => (string?)m["type"] == "draining"), TimeSpan.FromSeconds(10), "draining message");
        }

        // A newcomer, to the same room or a new one, gets a clear refusal.
        Assert.Equal("server-draining", await JoinErrorAsync(server.WebSocketUri, "loadtest0"));
        Assert.Equal("server-draining", await JoinErrorAsync(server.WebSocketUri, "fresh-room"));

        // The call goes on while draining; the process waits for the participants.
        long before = FaultMeeting.ReceivedFrom(meeting.People[0], meeting.People[1]);
        await Task.Delay(1000);
        Assert.False(server.HasExited, "exited before the participants left:\n" + server.Output);
        Assert.True(FaultMeeting.ReceivedFrom(meeting.People[0], meeting.People[1]) > before, "media stops during the drain");

        var leftAt = clock.Elapsed;
        await meeting.Target.LeaveAsync(meeting.People[0]);
        await meeting.Target.LeaveAsync(meeting.People[1]);
        Assert.True(await server.WaitExitAsync(TimeSpan.FromSeconds(20)), "no exit after the room emptied:\n" + server.Output);
        var exitedAt = clock.Elapsed;
        output.WriteLine($"left at {leftAt.TotalSeconds:0.00} s, exited at {exitedAt.TotalSeconds:0.00} s after SIGTERM (drain timeout 40 s)");
        Assert.True(exitedAt - leftAt < TimeSpan.FromSeconds(15), $"exit {exitedAt - leftAt} after the room emptied");
        Assert.True(server.ExitCode == 0, $"exit code {server.ExitCode}:\n{server.Output}");
    }

    [Fact]
    public async Task Sigterm_ParticipantsStay_ExitsAfterDrainTimeout_AndClosesTheirSockets()
    {
        using var server = new ServerProcess(ServerProcess.FreePort(), "--Sfu:DrainTimeout=00:00:03");
        await using var meeting = await JoinTwoAsync(server);

        var clock = Stopwatch.StartNew();
        server.Terminate();
        Assert.True(await server.WaitExitAsync(TimeSpan.FromSeconds(30)), "no exit after the drain timeout:\n" + server.Output);
        output.WriteLine($"exited {clock.Elapsed.TotalSeconds:0.00} s after SIGTERM (drain timeout 3 s, participants stayed)");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2.5), $"exited after {clock.Elapsed}, before the drain timeout");
        Assert.True(server.ExitCode == 0, $"exit code {server.ExitCode}:\n{server.Output}");
        foreach (var p in meeting.People)
        {
            await Eventually.TrueAsync(() => meeting.Target.SocketOf(p).State is not WebSocketState.Open, TimeSpan.FromSeconds(5), "socket closed");
        }
    }

    [Fact]
    public async Task SecondSigterm_StopsAtOnce()
    {
        using var server = new ServerProcess(ServerProcess.FreePort(), "--Sfu:DrainTimeout=00:02:00");
        await using var meeting = await JoinTwoAsync(server);

        server.Terminate();
        await Eventually.TrueAsync(() => meeting.Target.MessagesOf(meeting.People[0]).Any(m => (string?)m["type"] == "draining"), TimeSpan.FromSeconds(10), "draining");
        await Task.Delay(1000);
        Assert.False(server.HasExited, "one SIGTERM with participants present must wait:\n" + server.Output);
        var clock = Stopwatch.StartNew();
        server.Terminate();
        Assert.True(await server.WaitExitAsync(TimeSpan.FromSeconds(10)), "second SIGTERM did not stop it:\n" + server.Output);
        output.WriteLine($"exited {clock.Elapsed.TotalSeconds:0.00} s after the second SIGTERM (drain timeout 120 s)");
        Assert.True(server.ExitCode == 0, $"exit code {server.ExitCode}:\n{server.Output}");
    }

    private static async Task<FaultMeeting> JoinTwoAsync(ServerProcess server)
    {
        await server.WaitReadyAsync(TimeSpan.FromSeconds(60));
        var meeting = new FaultMeeting(new ServerTarget(server.WebSocketUri, allowNetns: false), 2);
        await meeting.JoinAllAsync();
        return meeting;
    }

    private static async Task<HttpStatusCode> StatusAsync(ServerProcess server, string path)
    {
        using var r = await server.Http.GetAsync(path);
        return r.StatusCode;
    }

    /// <summary>Joins over a raw socket; returns the error code of the answer.</summary>
    private static async Task<string?> JoinErrorAsync(Uri ws, string room)
    {
        using var socket = new ClientWebSocket();
        var msg = await RawSignaling.JoinAsync(socket, ws, room, "late");
        Assert.Equal("error", (string?)msg["type"]);
        return (string?)msg["code"];
    }
}
