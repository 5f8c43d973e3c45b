using System.Text.Json;

namespace DigitalWeRoom.Sfu.Interop.Tests.Browser;

/// <summary>
/// What a person would judge on a page, in either engine: axe-core's accessibility violations (npm, installed by
/// test.sh in Browser/node) and screenshots under TestResults/screenshots/ at the repository root.
/// </summary>
internal static class PageChecks
{
    private static readonly Lazy<string> AxeSource = new(() => File.ReadAllText(Path.Combine(NodeDirectory(), "node_modules", "axe-core", "axe.min.js")));

    /// <summary>The serious and critical violations axe-core finds on the page (id: targets), empty when none.</summary>
    public static async Task<string[]> SeriousAxeViolationsAsync(IMeetingPage page)
    {
        // Evaluated as a function body through the driver, not as a page script: the page's CSP allows no inline code.
        await page.EvaluateAsync("() => {" + AxeSource.Value + "\n}");
        var result = await page.EvaluateAsync("""
            async () => {
              const r = await window.axe.run(document, { resultTypes: ['violations'] });
              return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 4).map(n => n.target.join(' ')).join(', ')}`);
            }
            """);
        return [.. result.EnumerateArray().Select(e => e.GetString()!)];
    }

    /// <summary>Saves a screenshot as TestResults/screenshots/<paramref name="name"/>.png and returns its path.</summary>
    public static async Task<string> ScreenshotAsync(IMeetingPage page, string name)
    {
        var dir = Path.Combine(RepositoryRoot(), "TestResults", "screenshots");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".png");
        await page.ScreenshotAsync(path);
        return path;
    }

    /// <summary>The bounding boxes of the elements matching <paramref name="selector"/> that are shown.</summary>
    public static async Task<Box[]> BoxesAsync(IMeetingPage page, string selector)
    {
        var json = await page.EvaluateAsync("""
            sel => [...document.querySelectorAll(sel)].filter(e => !e.hidden && e.offsetParent !== null)
              .map(e => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; })
            """, selector);
        return [.. json.EnumerateArray().Select(b => new Box(b.GetProperty("x").GetDouble(), b.GetProperty("y").GetDouble(),
            b.GetProperty("w").GetDouble(), b.GetProperty("h").GetDouble()))];
    }

    public static async Task<(double Width, double Height)> ViewportAsync(IMeetingPage page)
    {
        var v = await page.EvaluateAsync("() => ({ w: window.innerWidth, h: window.innerHeight })");
        return (v.GetProperty("w").GetDouble(), v.GetProperty("h").GetDouble());
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "DigitalWeRoom.Sfu.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("DigitalWeRoom.Sfu.sln not found above " + AppContext.BaseDirectory);
    }

    private static string NodeDirectory() => Path.Combine(RepositoryRoot(), "tests", "DigitalWeRoom.Sfu.Interop.Tests", "Browser", "node");
}

/// <summary>An element's box in CSS pixels.</summary>
internal readonly record struct Box(double X, double Y, double W, double H)
{
    public double Area => W * H;

    public bool Inside(double width, double height) => X >= -0.5 && Y >= -0.5 && X + W <= width + 0.5 && Y + H <= height + 0.5;
}
