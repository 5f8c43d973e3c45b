using System.Net;
using System.Reflection;
using System.Text.RegularExpressions;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;

namespace DigitalWeRoom.Sfu.Server.Tests.Security;

/// <summary>
/// Finding 10 of issue #12: in .NET, <c>$</c> also matches before a final <c>\n</c>, so a validator anchored with it
/// lets "standup\n" through. Every validator pattern ends with <c>\z</c>.
/// </summary>
public sealed class RoomNameAnchorTests
{
    [Theory]
    [InlineData("standup\n")]
    [InlineData("standup\r\n")]
    [InlineData("\nstandup")]
    [InlineData("stand\nup")]
    public void A_room_name_with_a_line_break_is_invalid(string room) =>
        Assert.False(SignalingValidator.IsValidRoomName(room));

    [Fact]
    public async Task A_join_to_a_room_name_ending_in_a_newline_is_refused_over_signaling_and_the_page_redirects()
    {
        await using var host = new SfuHost(new()
        {
            [$"Sfu:Auth:Keys:{Auth.RoomTokenServiceTests.Key}"] = Auth.RoomTokenServiceTests.Secret,
            ["Sfu:Auth:AllowGuests"] = "true",
        });
        await using WsClient client = await host.ConnectAsync();
        await client.SendAsync(new SignalMessage { Type = MessageTypes.Join, Room = "standup\n", Name = "eve" });
        SignalMessage refused = await client.ErrorAsync(ErrorCodes.InvalidField);
        Assert.Contains("'room'", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(0, host.Services.GetService(typeof(DigitalWeRoom.Sfu.Rooms.RoomRegistry)) is DigitalWeRoom.Sfu.Rooms.RoomRegistry r ? r.Count : -1);

        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseUri };
        HttpResponseMessage page = await http.GetAsync("/r/standup%0A");
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/?error=room-name", page.Headers.Location?.OriginalString);
        HttpResponseMessage guest = await http.GetAsync("/api/token/guest?room=standup%0A&name=eve");
        Assert.Equal(HttpStatusCode.BadRequest, guest.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/token/guest?room=standup&name=eve")).StatusCode);
    }

    [Fact]
    public void Every_generated_validator_regex_is_anchored_at_the_very_end()
    {
        Assembly[] assemblies = [typeof(SignalingValidator).Assembly, typeof(Program).Assembly];
        var patterns = assemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttribute<GeneratedRegexAttribute>())
            .OfType<GeneratedRegexAttribute>()
            .Select(a => a.Pattern)
            .ToArray();
        Assert.NotEmpty(patterns);
        Assert.All(patterns, p => Assert.False(p.EndsWith('$') && !p.EndsWith(@"\$", StringComparison.Ordinal), $"'{p}' ends with $ (matches before a final newline); use \\z"));
    }
}
