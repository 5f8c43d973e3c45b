using System.Net;
using DigitalWeRoom.Sfu.Server.Tests.Infrastructure;

namespace DigitalWeRoom.Sfu.Server.Tests.Security;

/// <summary>
/// Finding 4 of issue #12: the theme directory is a git clone of someone else's repository, served on the meeting
/// origin. Only stylesheets, images and fonts are served, each with a policy that runs no script and nosniff, and no
/// file reached through a symbolic link (a link to /etc/passwd, or to a directory outside the theme) is served.
/// </summary>
public sealed class ThemeFilesTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("security-theme-");

    public void Dispose() => _root.Delete(recursive: true);

    private SfuHost Host()
    {
        string theme = Path.Combine(_root.FullName, "theme");
        string outside = Path.Combine(_root.FullName, "outside");
        Directory.CreateDirectory(theme);
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(theme, "theme.css"), "body { color: teal; }");
        File.WriteAllText(Path.Combine(theme, "logo.svg"), """<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>""");
        File.WriteAllText(Path.Combine(theme, "page.html"), "<script>alert(document.cookie)</script>");
        File.WriteAllText(Path.Combine(theme, "app.js"), "alert(1)");
        File.WriteAllText(Path.Combine(outside, "secret.css"), "secret");
        File.WriteAllText(Path.Combine(outside, "font.woff2"), "secret");
        File.CreateSymbolicLink(Path.Combine(theme, "passwd.css"), "/etc/passwd");
        File.CreateSymbolicLink(Path.Combine(theme, "linked.css"), Path.Combine(outside, "secret.css"));
        Directory.CreateSymbolicLink(Path.Combine(theme, "fonts"), outside);
        return new SfuHost(new() { ["Sfu:Theme:Directory"] = theme });
    }

    [Fact]
    public async Task Stylesheets_and_images_are_served_with_a_policy_that_runs_no_script()
    {
        await using SfuHost host = Host();
        using HttpClient http = host.CreateClient();
        foreach (string path in new[] { "/theme/theme.css", "/theme/logo.svg" })
        {
            using HttpResponseMessage response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            string policy = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
            Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
            Assert.Contains("sandbox", policy, StringComparison.Ordinal);
            Assert.DoesNotContain("script-src", policy, StringComparison.Ordinal);
            Assert.Equal("nosniff", string.Join("", response.Headers.GetValues("X-Content-Type-Options")));
        }
    }

    [Theory]
    [InlineData("/theme/page.html")]
    [InlineData("/theme/app.js")]
    [InlineData("/theme/passwd.css")]
    [InlineData("/theme/linked.css")]
    [InlineData("/theme/fonts/font.woff2")]
    [InlineData("/theme/fonts/secret.css")]
    [InlineData("/theme/")]
    [InlineData("/theme/fonts/")]
    public async Task Markup_scripts_and_anything_behind_a_symbolic_link_are_not_served(string path)
    {
        await using SfuHost host = Host();
        using HttpClient http = host.CreateClient();
        using HttpResponseMessage response = await http.GetAsync(path);
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("secret", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("root:", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
