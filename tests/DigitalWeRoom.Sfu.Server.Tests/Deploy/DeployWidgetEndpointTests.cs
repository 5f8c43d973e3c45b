using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

public sealed class DeployWidgetEndpointTests : IClassFixture<LocalCallerFactory>
{
    private readonly WebApplicationFactory<Program> _factory;

    public DeployWidgetEndpointTests(LocalCallerFactory factory) => _factory = factory;

    [Fact]
    public async Task Page_is_served_embeddable_with_every_field_and_option()
    {
        using var client = _factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/deploy", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("X-Frame-Options"));
        Assert.Contains("frame-ancestors *", string.Join(";", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);

        var html = await response.Content.ReadAsStringAsync();
        foreach (var field in new[] { "id=\"size\"", "id=\"location\"", "id=\"name\"", "id=\"domain\"", "id=\"git_url\"", "name=\"ssh\"", "id=\"ssh_key\"" })
        {
            Assert.Contains(field, html, StringComparison.Ordinal);
        }

        foreach (var option in new[] { "small", "mid", "large", "ghent", "vienna", "ava.tf", "3x0.me", "refit.earth", "co30.org", "ninja.tf", "base.tf", "tf9.io" })
        {
            Assert.Contains($"<option value=\"{option}\">", html, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("{{", html, StringComparison.Ordinal);
        Assert.Contains("terraform init", html, StringComparison.Ordinal);
        Assert.Contains("terraform apply", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Script_uses_the_server_name_pattern()
    {
        using var client = _factory.CreateClient();
        var js = await client.GetStringAsync(new Uri("/deploy/deploy.js", UriKind.Relative));
        Assert.Contains("/" + Server.Deploy.DeployCatalog.NamePattern + "/", js, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Valid_post_returns_the_zip_bundle()
    {
        using var client = _factory.CreateClient();
        using var response = await client.PostAsync(new Uri("/deploy/bundle", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["size"] = "mid", ["location"] = "vienna", ["name"] = "Team_Room2", ["domain"] = "refit.earth",
            ["git_url"] = "https://github.com/example/theme.git", ["ssh"] = "yes", ["ssh_key"] = BundleGoldenTests.TestKey,
        }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("sfu-teamroom2.zip", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));

        using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync(), ZipArchiveMode.Read);
        Assert.Equal(5, zip.Entries.Count);
        using var reader = new StreamReader(zip.GetEntry("sfu-teamroom2/terraform.tfvars")!.Open());
        Assert.Equal(File.ReadAllText(RepoPaths.DeployTests("Golden", "mid", "terraform.tfvars")), await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task Ssh_no_drops_the_key_and_ssh_yes_without_key_is_an_error()
    {
        using var client = _factory.CreateClient();
        var fields = new Dictionary<string, string>
        {
            ["size"] = "small", ["location"] = "ghent", ["name"] = "myroom", ["domain"] = "ava.tf", ["ssh"] = "no", ["ssh_key"] = "garbage",
        };
        using (var ok = await client.PostAsync(new Uri("/deploy/bundle", UriKind.Relative), new FormUrlEncodedContent(fields)))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        fields["ssh"] = "yes";
        fields["ssh_key"] = "";
        using var bad = await client.PostAsync(new Uri("/deploy/bundle", UriKind.Relative), new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = await Errors(bad);
        Assert.Equal("ssh_key", Assert.Single(errors).Field);
    }

    [Fact]
    public async Task Invalid_post_names_each_bad_field()
    {
        using var client = _factory.CreateClient();
        using var response = await client.PostAsync(new Uri("/deploy/bundle", UriKind.Relative), new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["size"] = "huge", ["location"] = "ghent", ["name"] = "9lives", ["domain"] = "example.com", ["ssh"] = "yes", ["ssh_key"] = "ssh-ed25519 nope!",
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = await Errors(response);
        Assert.Equal(["size", "name", "domain", "ssh_key"], errors.Select(e => e.Field));
        Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
    }

    [Fact]
    public async Task Oversized_post_is_refused()
    {
        using var client = _factory.CreateClient();
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["ssh_key"] = new string('A', 40_000) });
        using var response = await client.PostAsync(new Uri("/deploy/bundle", UriKind.Relative), content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Theme_directory_is_served_without_dot_files()
    {
        var dir = Directory.CreateTempSubdirectory("dwr-theme-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "theme.css"), "body { color: teal; }");
            Directory.CreateDirectory(Path.Combine(dir.FullName, ".git"));
            File.WriteAllText(Path.Combine(dir.FullName, ".git", "config"), "[core]");
            using var factory = _factory.WithWebHostBuilder(b => b.UseSetting("Sfu:Theme:Directory", dir.FullName));
            using var client = factory.CreateClient();
            Assert.Equal("body { color: teal; }", await client.GetStringAsync(new Uri("/theme/theme.css", UriKind.Relative)));
            using var hidden = await client.GetAsync(new Uri("/theme/.git/config", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static async Task<List<(string Field, string Message)>> Errors(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. doc.RootElement.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("field").GetString()!, e.GetProperty("message").GetString()!))];
    }
}
