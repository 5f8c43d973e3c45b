using DigitalWeRoom.Sfu.Interop.Tests.Browser;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// Batched presence (participants-changed, docs/signaling.md) on Firefox's page: with the threshold at one participant,
/// Firefox joins first and learns of the two Chromium pages that follow, and of one of them leaving, only from
/// batches; it lists and shows them, decodes their media through the server, and drops the one who left.
/// </summary>
public sealed class FirefoxPresenceBatchTests
{
    [Fact]
    public async Task Firefox_learns_of_joins_and_a_leave_from_batched_presence_and_decodes_the_media()
    {
        using var ns = ClientNamespace.Create();
        await using var link = await LinkHost.StartAsync(ns.HostAddress, new()
        {
            ["Sfu:P2PEnabled"] = "false",
            ["Sfu:Limits:PresenceBatchAbove"] = "1",
            ["Sfu:Limits:PresenceBatchWindow"] = "00:00:00.300",
        });
        var room = new Uri(link.Origin, "/r/batched-fox?name=");

        await using var firefox = await ScriptedBrowser.LaunchAsync("firefox", ns.Name, FirefoxMeetingTests.InsecureOriginMedia);
        var fox = await firefox.NewPageAsync();
        await fox.GotoAsync(room + "fox");
        await Dwr.IdAsync(fox);

        var bob = await link.Host.OpenAsync("batched-fox", "bob");
        var carol = await link.Host.OpenAsync("batched-fox", "carol");
        string bobId = await Dwr.IdAsync(bob);
        string carolId = await Dwr.IdAsync(carol);

        await fox.WaitForFunctionAsync("() => window.dwr.participants.length === 2", null, 30_000);
        foreach (string other in new[] { bobId, carolId })
        {
            await fox.WaitForFunctionAsync("(id) => document.querySelector(`#grid .tile[data-key='${id}']`) !== null", other, 20_000);
            await Dwr.AssertFlowingAsync(fox, other, "sfu", seconds: 1);
        }
        // The chat says who joined: the page turned the batched news into the same events as participant-joined.
        Assert.Contains("carol joined", await fox.TextAsync("#chat-log") ?? "", StringComparison.Ordinal);

        await carol.Context.CloseAsync();
        await fox.WaitForFunctionAsync("() => window.dwr.participants.length === 1", null, 20_000);
        await fox.WaitForFunctionAsync("(id) => document.querySelector(`#grid .tile[data-key='${id}']`) === null", carolId, 20_000);
        await Dwr.AssertFlowingAsync(fox, bobId, "sfu", seconds: 1);
    }
}
