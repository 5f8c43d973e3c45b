using System.IO.Compression;
using DigitalWeRoom.Sfu.Interop.Tests.Browser;
using DigitalWeRoom.Sfu.Server.Deploy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace DigitalWeRoom.Sfu.Interop.Tests.Deploy;

/// <summary>
/// The /deploy wizard in headless Chromium against the real endpoints on 127.0.0.1 (Kestrel, port 0): fill the
/// form, download the zip, check its contents; bad input shows the validation message from the page and from
/// the server; the page loads inside an iframe of another origin.
/// </summary>
public sealed class DeployPageTests : IAsyncLifetime
{
    private const string Key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKSh+evPnHEBPYh6gT3LC0A5cCI1uPdGgWfMYxkg7e6A test@example";

    private WebApplication? _app;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private string _baseUrl = "";

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapDeployWidget();
        _app.MapGet("/embed-test", (HttpContext context) => Results.Content(
            $"<!DOCTYPE html><iframe id=f src=\"http://127.0.0.1:{context.Connection.LocalPort}/deploy\" width=800 height=900></iframe>",
            "text/html"));
        await _app.StartAsync();
        _baseUrl = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        (_playwright, _browser) = await Chromium.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Fact]
    public async Task Filled_form_downloads_a_bundle_with_the_answers()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(_baseUrl + "/deploy");
        await page.SelectOptionAsync("#size", "mid");
        await page.SelectOptionAsync("#location", "vienna");
        await page.FillAsync("#name", "Team_Room2");
        await page.SelectOptionAsync("#domain", "refit.earth");
        Assert.Equal("teamroom2.refit.earth", await page.TextContentAsync("#url-preview"));
        await page.FillAsync("#git_url", "https://github.com/example/theme.git");
        await page.CheckAsync("input[name=ssh][value=yes]");
        Assert.True(await page.IsVisibleAsync("#ssh_key"));
        await page.FillAsync("#ssh_key", Key);

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#submit"));
        Assert.Equal("sfu-teamroom2.zip", download.SuggestedFilename);
        var path = Path.Combine(Path.GetTempPath(), $"dwr-bundle-{Guid.NewGuid():N}.zip");
        await download.SaveAsAsync(path);
        try
        {
            using var zip = ZipFile.OpenRead(path);
            Assert.Equal(
                ["main.tf", "variables.tf", "outputs.tf", "terraform.tfvars", "README.md"],
                zip.Entries.Select(e => e.FullName.Replace("sfu-teamroom2/", "", StringComparison.Ordinal)));
            var tfvars = Read(zip, "sfu-teamroom2/terraform.tfvars");
            Assert.Contains("name     = \"Team_Room2\"", tfvars, StringComparison.Ordinal);
            Assert.Contains("size     = \"mid\"", tfvars, StringComparison.Ordinal);
            Assert.Contains("location = \"vienna\"", tfvars, StringComparison.Ordinal);
            Assert.Contains("domain   = \"refit.earth\"", tfvars, StringComparison.Ordinal);
            Assert.Contains($"ssh_key  = \"{Key}\"", tfvars, StringComparison.Ordinal);
            Assert.Contains("git_url  = \"https://github.com/example/theme.git\"", tfvars, StringComparison.Ordinal);
            var readme = Read(zip, "sfu-teamroom2/README.md");
            Assert.Contains("terraform init", readme, StringComparison.Ordinal);
            Assert.Contains("terraform apply", readme, StringComparison.Ordinal);
            Assert.Contains("https://teamroom2.refit.earth", readme, StringComparison.Ordinal);
            Assert.Contains("publicip6   = true", Read(zip, "sfu-teamroom2/main.tf"), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }

        Assert.True(await page.IsVisibleAsync("#next-steps"));
    }

    [Fact]
    public async Task Bad_name_shows_the_page_validation_message_and_nothing_is_posted()
    {
        var page = await NewPageAsync();
        var posts = 0;
        page.Request += (_, request) => posts += request.Method == "POST" ? 1 : 0;
        await page.GotoAsync(_baseUrl + "/deploy");
        await page.FillAsync("#name", "9lives");
        await page.ClickAsync("#submit");

        var message = await page.Locator("#name-error").TextContentAsync();
        Assert.Equal("name: use 2-15 letters, digits or underscores, starting with a letter.", message);
        Assert.Equal("true", await page.GetAttributeAsync("#name", "aria-invalid"));
        Assert.Equal(0, posts);
    }

    [Fact]
    public async Task Server_side_rejection_is_shown_on_the_field()
    {
        // Passes the page's pattern, but the key blob says ssh-rsa: only the server's check catches it.
        var page = await NewPageAsync();
        await page.GotoAsync(_baseUrl + "/deploy");
        await page.FillAsync("#name", "myroom");
        await page.CheckAsync("input[name=ssh][value=yes]");
        await page.FillAsync("#ssh_key", "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 me@host");
        await page.ClickAsync("#submit");

        var error = page.Locator("#ssh_key-error");
        await error.WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible, Timeout = 10_000 });
        Assert.StartsWith("ssh_key: the key data is not a ssh-ed25519 key", await error.TextContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_loads_inside_an_iframe_of_another_origin()
    {
        var page = await NewPageAsync();
        // localhost and 127.0.0.1 are different origins. The embedding page comes from the same loopback server
        // (a page fulfilled by Playwright counts as public, and Chromium's local network access checks would then
        // block the loopback iframe; a real embedding site reaches a public server, so that case does not arise).
        var embedUrl = _baseUrl.Replace("127.0.0.1", "localhost", StringComparison.Ordinal) + "/embed-test";
        await page.GotoAsync(embedUrl);
        var frame = page.FrameLocator("#f");
        await frame.Locator("#name").WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        await frame.Locator("#name").FillAsync("x");
        await frame.Locator("#submit").ClickAsync();
        Assert.StartsWith("name:", await frame.Locator("#name-error").TextContentAsync(), StringComparison.Ordinal);
    }

    private async Task<IPage> NewPageAsync()
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true });
        return await context.NewPageAsync();
    }

    private static string Read(ZipArchive zip, string name)
    {
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }
}
