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

    /// <summary>Closes the page (the participant's tab: its socket closes, as when a person closes the window).</summary>
    Task CloseAsync();
}

internal sealed class PlaywrightMeetingPage(IPage page) : IMeetingPage
{
    public Task<JsonElement> EvaluateAsync(string function, object? argument = null) => page.EvaluateAsync<JsonElement>(function, argument);

    public Task WaitForFunctionAsync(string function, object? argument = null, int timeoutMs = 20_000) =>
        page.WaitForFunctionAsync(function, argument, new PageWaitForFunctionOptions { Timeout = timeoutMs });

    public Task ClickAsync(string selector) => page.ClickAsync(selector);

    public Task SetViewportAsync(int width, int height) => page.SetViewportSizeAsync(width, height);

    public Task ScreenshotAsync(string path) => page.ScreenshotAsync(new PageScreenshotOptions { Path = path });

    public Task CloseAsync() => page.Context.CloseAsync();
}

internal static class MeetingPageExtensions
{
    public static IMeetingPage AsMeetingPage(this IPage page) => new PlaywrightMeetingPage(page);

    /// <summary>The text of the first element matching <paramref name="selector"/> (null when none).</summary>
    public static async Task<string?> TextAsync(this IMeetingPage page, string selector) =>
        (await page.EvaluateAsync("s => document.querySelector(s)?.textContent ?? null", selector)).GetString();

    /// <summary>An attribute of the first element matching <paramref name="selector"/> (null when none).</summary>
    public static async Task<string?> AttributeAsync(this IMeetingPage page, string selector, string name) =>
        (await page.EvaluateAsync("([s, n]) => document.querySelector(s)?.getAttribute(n) ?? null", new[] { selector, name })).GetString();

    /// <summary>How many elements match <paramref name="selector"/>.</summary>
    public static async Task<int> CountAsync(this IMeetingPage page, string selector) =>
        (await page.EvaluateAsync("s => document.querySelectorAll(s).length", selector)).GetInt32();
}
