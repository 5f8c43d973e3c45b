using System.Globalization;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// TURN credentials for long meetings, in Chromium: the server sends fresh <c>iceServers</c> at ¾ of a short TTL and the
/// meeting page puts them into its server connection's configuration (setConfiguration), so the next gathering of
/// that connection (an ICE restart) authenticates with credentials that have not expired.
/// </summary>
public sealed class TurnRefreshMeetingTests
{
    private const string Script = """
        () => {
          const pc = window.dwrSfu && window.dwrSfu.pc;
          const turn = pc && pc.getConfiguration().iceServers.find(s => s.username);
          return turn ? turn.username : null;
        }
        """;

    [Fact]
    public async Task The_page_applies_fresh_TURN_credentials_to_its_server_connection_before_the_old_ones_expire()
    {
        await using var host = await MeetingHost.StartAsync(new()
        {
            // Nothing listens there: the test is about the credentials the page holds, not about relaying.
            ["Sfu:Turn:Urls:0"] = "turn:127.0.0.1:9?transport=udp",
            ["Sfu:Turn:Secret"] = "test-static-auth-secret-0123456789",
            ["Sfu:Turn:Ttl"] = "00:00:10",
        });
        IPage page = await host.OpenAsync("long", "alice");

        await page.WaitForFunctionAsync(Script, null, new() { Timeout = 15_000 });
        string first = (await page.EvaluateAsync<string>(Script))!;
        await page.WaitForFunctionAsync($"() => ({Script})() !== '{first}'", null, new() { Timeout = 15_000 });
        string fresh = (await page.EvaluateAsync<string>(Script))!;

        Assert.True(ExpiryOf(fresh) > ExpiryOf(first), $"{first} -> {fresh}");
        Assert.Equal("turn:127.0.0.1:9?transport=udp",
            await page.EvaluateAsync<string>("() => window.dwrSfu.pc.getConfiguration().iceServers.find(s => s.username).urls[0]"));
    }

    private static long ExpiryOf(string username) => long.Parse(username.Split(':')[0], CultureInfo.InvariantCulture);
}
