using System.Diagnostics;
using System.Net.WebSockets;
using Xunit.Abstractions;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Faults;

/// <summary>
/// A participant whose process dies without a goodbye: its media client stops (no close_notify, no more ICE
/// checks) while its signaling socket stays open and silent. Only ICE consent freshness (RFC 7675 §5.1) can tell;
/// the server must remove it from the room, tell the others, keep metrics consistent and leak nothing.
/// </summary>
[Collection("loopback-sockets")]
public class VanishedClientTests(ITestOutputHelper output)
{
    [Fact]
    public async Task VanishedClient_SilentSocket_RemovedAfterConsentTimeout_OthersToldAndNothingLeaks()
    {
        await RunAsync(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), earliest: TimeSpan.FromSeconds(1.5), latest: TimeSpan.FromSeconds(12));
    }

    /// <summary>The same at the RFC's own 30 s (the server default) with clients refreshing every 4 s, as browsers do.</summary>
    [Fact]
    public async Task VanishedClient_DefaultThirtySecondConsent_RemovedBetween26And45Seconds()
    {
        await RunAsync(null, TimeSpan.FromSeconds(4), earliest: TimeSpan.FromSeconds(26), latest: TimeSpan.FromSeconds(45));
    }

    private async Task RunAsync(TimeSpan? consentTimeout, TimeSpan consentInterval, TimeSpan earliest, TimeSpan latest)
    {
        using var server = consentTimeout is { } t ? new FaultServer(("Sfu:Udp:ConsentTimeout", t.ToString("c"))) : new FaultServer();
        var endpoint = server.Services.GetRequiredService<SfuMediaHost>().Endpoint;
        var rooms = server.Services.GetRequiredService<RoomRegistry>();
        long poolBaseline = endpoint.Pool.Outstanding;
        int threadBaseline = Process.GetCurrentProcess().Threads.Count;

        await using var meeting = new FaultMeeting(new ServerTarget(server.WebSocketUri, allowNetns: false) { ConsentInterval = consentInterval }, 4);
        await meeting.JoinAllAsync();
        var (a, b, ghost, aborted) = (meeting.People[0], meeting.People[1], meeting.People[2], meeting.People[3]);
        await meeting.WaitAllReceivingAsync(meeting.People, TimeSpan.FromSeconds(20));
        string ghostId = meeting.IdOf(ghost), abortedId = meeting.IdOf(aborted);
        var room = rooms.Find("loadtest0")!;
        Assert.Equal(4, room.Snapshot.Participants.Count);
        Assert.Equal(4, endpoint.TransportCount);
        Assert.Equal(4, await server.MetricSumAsync("sfu_participants"));
        double expiriesBefore = await server.MetricSumAsync("sfu_consent_expiries");

        // Both processes die; one leaves its signaling socket open and silent, the other's socket is reset.
        var clock = Stopwatch.StartNew();
        meeting.StopSending(ghost);
        meeting.StopSending(aborted);
        meeting.Target.Vanish(ghost, keepSignaling: true);
        meeting.Target.Vanish(aborted, keepSignaling: false);

        TimeSpan? abortedGone = null, ghostGone = null;
        await Eventually.TrueAsync(() =>
        {
            var ids = room.Snapshot.Participants.Select(p => p.Id).ToHashSet();
            if (abortedGone is null && !ids.Contains(abortedId)) abortedGone = clock.Elapsed;
            if (ghostGone is null && !ids.Contains(ghostId)) ghostGone = clock.Elapsed;
            return abortedGone is not null && ghostGone is not null;
        }, latest + TimeSpan.FromSeconds(5), "both vanished participants removed");

        output.WriteLine($"aborted socket removed after {abortedGone?.TotalSeconds:0.00} s, silent ghost after {ghostGone?.TotalSeconds:0.00} s");
        // The reset socket is noticed at once; the silent one only by consent expiry, not by the 45 s signaling idle timeout.
        Assert.True(abortedGone < TimeSpan.FromSeconds(5), $"aborted socket removed after {abortedGone}");
        Assert.True(ghostGone >= earliest && ghostGone <= latest, $"silent ghost removed after {ghostGone}, expected {earliest}..{latest}");
        await Eventually.TrueAsync(() => meeting.Target.MessagesOf(ghost).Any(m => (string?)m["type"] == "error" && (string?)m["code"] == "consent-expired"),
            TimeSpan.FromSeconds(5), "the ghost's socket is told consent-expired");
        await Eventually.TrueAsync(() => meeting.Target.SocketOf(ghost).State is WebSocketState.Closed or WebSocketState.CloseReceived or WebSocketState.Aborted,
            TimeSpan.FromSeconds(10), "the ghost's signaling socket is closed by the server");

        // The others are told, and the room, the metrics and the media port agree.
        foreach (var stayer in new[] { a, b })
        {
            var left = meeting.Target.MessagesOf(stayer).Where(m => (string?)m["type"] == "participant-left").Select(m => (string?)m["participantId"]).ToList();
            Assert.Contains(ghostId, left);
            Assert.Contains(abortedId, left);
        }
        Assert.Equal(2, room.Snapshot.Participants.Count);
        await Eventually.TrueAsync(async () => await server.MetricSumAsync("sfu_participants") == 2, TimeSpan.FromSeconds(5), "sfu_participants == 2");
        Assert.True(await server.MetricSumAsync("sfu_consent_expiries") >= expiriesBefore + 1, "sfu_consent_expiries counts the ghost");
        await Eventually.TrueAsync(() => endpoint.TransportCount == 2, TimeSpan.FromSeconds(5), "the ghosts' transports are gone from the port");

        // The call goes on between the two who stayed.
        long aFromB = FaultMeeting.ReceivedFrom(a, b), bFromA = FaultMeeting.ReceivedFrom(b, a);
        await Eventually.TrueAsync(() => FaultMeeting.ReceivedFrom(a, b) > aFromB + 20 && FaultMeeting.ReceivedFrom(b, a) > bFromA + 20,
            TimeSpan.FromSeconds(5), "media still flows between the two who stayed");

        // Everyone else leaves: the room loop ends, the port has no transports, every packet is back in the pool.
        await meeting.Target.LeaveAsync(a);
        await meeting.Target.LeaveAsync(b);
        await room.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, rooms.Count);
        await Eventually.TrueAsync(() => endpoint.TransportCount == 0, TimeSpan.FromSeconds(5), "no transports left");
        await Eventually.TrueAsync(() => endpoint.Pool.Outstanding <= poolBaseline, TimeSpan.FromSeconds(5),
            $"packet pool back to baseline {poolBaseline} (now {endpoint.Pool.Outstanding})");
        await Eventually.TrueAsync(async () => await server.MetricSumAsync("sfu_participants") == 0, TimeSpan.FromSeconds(5), "sfu_participants == 0");
        // Threads: clients' sockets and DTLS handshakes are done; allow the thread pool its own slack.
        await Eventually.TrueAsync(() => Process.GetCurrentProcess().Threads.Count <= threadBaseline + 12, TimeSpan.FromSeconds(10),
            $"threads back near baseline {threadBaseline} (now {Process.GetCurrentProcess().Threads.Count})");
    }
}
