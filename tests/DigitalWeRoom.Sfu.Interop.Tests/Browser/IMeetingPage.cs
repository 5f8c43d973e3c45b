using System.Text.Json;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Browser;

/// <summary>
/// What the meeting assertions need of a page, whichever engine runs it: Chromium through Playwright
/// (<see cref="PlaywrightMeetingPage"/>) or Firefox through the puppeteer driver (<see cref="ScriptedPage"/>).
/// Functions are JavaScript source taking one argument.
/// </summary>
internal interface IMeetingPage
{
    Task<JsonElement> EvaluateAsync(string function, object? argument = null);

    Task WaitForFunctionAsync(string function, object? argument = null, int timeoutMs = 20_000);

    Task ClickAsync(string selector);

    Task SetViewportAsync(int width, int height);

    /// <summary>A PNG of the viewport.</summary>
    Task ScreenshotAsync(string path);
}

internal sealed class PlaywrightMeetingPage(IPage page) : IMeetingPage
{
    public Task<JsonElement> EvaluateAsync(string function, object? argument = null) => page.EvaluateAsync<JsonElement>(function, argument);

    public Task WaitForFunctionAsync(string function, object? argument = null, int timeoutMs = 20_000) =>
        page.WaitForFunctionAsync(function, argument, new PageWaitForFunctionOptions { Timeout = timeoutMs });

    public Task ClickAsync(string selector) => page.ClickAsync(selector);

    public Task SetViewportAsync(int width, int height) => page.SetViewportSizeAsync(width, height);

    public Task ScreenshotAsync(string path) => page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
}

internal static class MeetingPageExtensions
{
    public static IMeetingPage AsMeetingPage(this IPage page) => new PlaywrightMeetingPage(page);
}
