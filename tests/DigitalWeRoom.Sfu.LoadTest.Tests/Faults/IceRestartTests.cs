using System.Diagnostics;
using System.Net;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Faults;

/// <summary>
/// A network change: one participant's media socket moves from 127.0.0.1 to 127.0.0.2 (a new address and port),
/// so the server drops what it sends (an unvalidated address) and sends to where nobody listens. It asks for an ICE
/// restart (<c>ice-restart</c>); the server's new offer carries new ice-ufrag/ice-pwd (RFC 8445 §9, RFC 8839
/// §4.4.1.1.1), the checks from the new address nominate it, and media flows both ways again within 2 s, on the same
/// DTLS/SRTP session. A second restart sooner than 5 s is refused with a clear error.
/// </summary>
[Collection("loopback-sockets")]
public class IceRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AddressChange_IceRestart_MediaResumesWithinTwoSeconds_SecondRestartTooSoonIsRefused()
    {
        using var server = new FaultServer();
        await using var meeting = new FaultMeeting(new ServerTarget(server.WebSocketUri, allowNetns: false) { ConsentInterval = TimeSpan.FromSeconds(20) }, 2);
        await meeting.JoinAllAsync();
        await meeting.WaitAllReceivingAsync(meeting.People, TimeSpan.FromSeconds(20));
        var (mover, other) = (meeting.People[0], meeting.People[1]);

        // The network changes without a restart: the path is broken. (Consent checks are 20 s apart here, so none
        // sent from the new address in the meantime nominates it on its own, as a browser's would not either.)
        meeting.Target.ClientOf(mover).Endpoint.MoveTo(IPAddress.Parse("127.0.0.2"));
        await Task.Delay(500);
        long stalledAt = FaultMeeting.ReceivedFrom(other, mover), moverGotAt = FaultMeeting.ReceivedFrom(mover, other);
        await Task.Delay(1000);
        Assert.True(FaultMeeting.ReceivedFrom(other, mover) <= stalledAt + 2, "media from the moved client still arrives without a restart");
        Assert.True(FaultMeeting.ReceivedFrom(mover, other) <= moverGotAt + 2, "media still reaches the moved client without a restart");

        var clock = Stopwatch.StartNew();
        await meeting.Target.RequestIceRestartAsync(mover, moveTo: null);
        long fromMover = FaultMeeting.ReceivedFrom(other, mover), toMover = FaultMeeting.ReceivedFrom(mover, other);
        await Eventually.TrueAsync(() => FaultMeeting.ReceivedFrom(other, mover) > fromMover + 10 && FaultMeeting.ReceivedFrom(mover, other) > toMover + 10,
            TimeSpan.FromSeconds(10), "media flows both ways after the ICE restart");
        var resumed = clock.Elapsed;
        output.WriteLine($"media resumed both ways {resumed.TotalMilliseconds:0} ms after the ice-restart request");
        Assert.True(resumed < TimeSpan.FromSeconds(2), $"media resumed after {resumed}");
        var offers = meeting.Target.MessagesOf(mover).Where(m => (string?)m["type"] == "offer").Select(m => (string)m["sdp"]!).ToList();
        Assert.NotEqual(IceUfrag(offers[0]), IceUfrag(offers[^1]));

        // Again at once: refused (at most one restart per 5 s), and nothing else changes.
        int errorsBefore = meeting.Target.MessagesOf(mover).Count(m => (string?)m["type"] == "error");
        await meeting.Target.RequestIceRestartAsync(mover, moveTo: null);
        await Eventually.TrueAsync(() => meeting.Target.MessagesOf(mover).Count(m => (string?)m["type"] == "error") > errorsBefore, TimeSpan.FromSeconds(5), "an error");
        var error = meeting.Target.MessagesOf(mover).Last(m => (string?)m["type"] == "error");
        Assert.Equal("ice-restart-rate-limited", (string?)error["code"]);
        Assert.Equal(offers.Count, meeting.Target.MessagesOf(mover).Count(m => (string?)m["type"] == "offer"));
    }

    private static string IceUfrag(string sdp) =>
        sdp.Split("\r\n").First(l => l.StartsWith("a=ice-ufrag:", StringComparison.Ordinal))["a=ice-ufrag:".Length..];
}
