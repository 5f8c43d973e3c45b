using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Meeting;

/// <summary>
/// A large room tells joins and leaves in batches (participants-changed, docs/signaling.md). With the threshold at one
/// participant, every join and leave after the first reaches the Chromium pages only that way: each page lists and
/// shows the others, decodes their media, and drops the one who left.
/// </summary>
public sealed class PresenceBatchMeetingTests
{
    [Fact]
    public async Task Three_pages_learn_of_each_other_from_batched_presence_see_the_media_and_the_leave()
    {
        await using var host = await MeetingHost.StartAsync(new()
        {
            ["Sfu:P2PEnabled"] = "false",
            ["Sfu:Limits:PresenceBatchAbove"] = "1",
            ["Sfu:Limits:PresenceBatchWindow"] = "00:00:00.300",
        });
        var pages = new List<IPage>();
        var ids = new List<string>();
        foreach (string name in new[] { "alice", "bob", "carol" })
        {
            var page = await host.OpenAsync("batched", name);
            pages.Add(page);
            ids.Add(await Dwr.IdAsync(page));
        }

        for (int i = 0; i < pages.Count; i++)
        {
            await pages[i].WaitForFunctionAsync("() => window.dwr.participants.length === 2", null, new() { Timeout = 20_000 });
            foreach (string other in ids.Where((_, j) => j != i))
            {
                await pages[i].WaitForSelectorAsync($"#grid .tile[data-key='{other}']", new() { Timeout = 20_000 });
                await Dwr.AssertFlowingAsync(pages[i], other, "sfu", seconds: 1);
            }
        }

        // The chat says who joined: the page turned the batched news into the same events as participant-joined.
        Assert.Contains("carol joined", await pages[0].TextContentAsync("#chat-log") ?? "", StringComparison.Ordinal);

        await pages[2].Context.CloseAsync();
        foreach (var page in pages.Take(2))
        {
            await page.WaitForFunctionAsync("() => window.dwr.participants.length === 1", null, new() { Timeout = 20_000 });
            await page.WaitForSelectorAsync($"#grid .tile[data-key='{ids[2]}']", new() { State = WaitForSelectorState.Detached, Timeout = 20_000 });
        }
    }
}
