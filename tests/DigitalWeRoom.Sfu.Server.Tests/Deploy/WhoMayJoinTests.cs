using System.IO.Compression;
using System.Net;
using System.Text.Json;
using DigitalWeRoom.Sfu.Server.Deploy;
using Microsoft.AspNetCore.Mvc.Testing;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

/// <summary>
/// The wizard's "who may join" field, through the page, the bundle endpoint and the command line: it reaches
/// terraform.tfvars (and from there the VM's WHO_MAY_JOIN, which sfu-start maps onto Sfu:Auth:AllowGuests; the
/// grid boot tests run that), and the bundle README tells the operator how to open the dashboard and mint an invite.
/// </summary>
public sealed class WhoMayJoinTests : IClassFixture<LocalCallerFactory>
{
    private readonly WebApplicationFactory<Program> _factory;

    public WhoMayJoinTests(LocalCallerFactory factory) => _factory = factory;

    private static Dictionary<string, string> Fields(string? whoMayJoin)
    {
        var fields = new Dictionary<string, string> { ["size"] = "small", ["location"] = "ghent", ["name"] = "myroom", ["domain"] = "ava.tf", ["ssh"] = "no" };
        if (whoMayJoin is not null)
        {
            fields["who_may_join"] = whoMayJoin;
        }

        return fields;
    }

    [Fact]
    public async Task Page_offers_both_choices_with_anyone_with_the_link_first()
    {
        using var client = _factory.CreateClient();
        var html = await client.GetStringAsync(new Uri("/deploy", UriKind.Relative));
        var link = html.IndexOf("<option value=\"anyone_with_link\">", StringComparison.Ordinal);
        var invite = html.IndexOf("<option value=\"invite_only\">", StringComparison.Ordinal);
        Assert.True(link > 0 && invite > link, "the select offers anyone_with_link (the default, first) and invite_only");
        Assert.Contains("id=\"who_may_join-error\"", html, StringComparison.Ordinal);
        var js = await client.GetStringAsync(new Uri("/deploy/deploy.js", UriKind.Relative));
        Assert.Contains("'who_may_join'", js, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "anyone_with_link", "anyone with the link")]
    [InlineData("invite_only", "invite_only", "only people with an invite link")]
    public async Task Choice_reaches_the_tfvars_and_the_readme(string? posted, string expected, string readmeLine)
    {
        var files = await BundleAsync(Fields(posted));
        Assert.Contains($"who_may_join = \"{expected}\"\n", files["terraform.tfvars"], StringComparison.Ordinal);
        Assert.Equal(expected, HclReader.ParseText(files["terraform.tfvars"], "terraform.tfvars").GetProperty("who_may_join").GetString());
        Assert.Contains("- Who may join: " + readmeLine, files["README.md"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readme_says_how_to_open_the_dashboard_and_mint_an_invite()
    {
        var readme = (await BundleAsync(Fields("invite_only")))["README.md"];
        Assert.Contains("https://myroom.ava.tf/dashboard", readme, StringComparison.Ordinal);
        Assert.Contains("terraform output -raw api_secret", readme, StringComparison.Ordinal);
        Assert.Contains("curl -s -X POST https://myroom.ava.tf/api/token -H \"Authorization: Bearer $SECRET\"", readme, StringComparison.Ordinal);
        Assert.Contains("https://myroom.ava.tf/r/standup?token=<token>", readme, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_choice_is_refused_naming_the_field_and_not_echoing_it()
    {
        using var client = _factory.CreateClient();
        using var response = await client.PostAsync(new Uri("/deploy/bundle", UriKind.Relative), new FormUrlEncodedContent(Fields("everyone<script>")));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(body);
        var error = Assert.Single(doc.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal("who_may_join", error.GetProperty("field").GetString());
        Assert.Contains("anyone_with_link, invite_only", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("everyone", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_line_takes_the_choice()
    {
        var dir = Directory.CreateTempSubdirectory("dwr-who-");
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var code = await DeployCommand.RunAsync(
                ["tfgrid", "--size", "small", "--location", "ghent", "--name", "myroom", "--domain", "ava.tf", "--who-may-join", "invite_only", "--out", dir.FullName],
                stdout, stderr);
            Assert.True(code == 0, stderr.ToString());
            Assert.Contains("who_may_join = \"invite_only\"", File.ReadAllText(Path.Combine(dir.FullName, "terraform.tfvars")), StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private async Task<Dictionary<string, string>> BundleAsync(Dictionary<string, string> fields)
    {
        using var client = _factory.CreateClient();
        using var response = await client.PostAsync(new Uri("/deploy/bundle", UriKind.Relative), new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync(), ZipArchiveMode.Read);
        var files = new Dictionary<string, string>();
        foreach (var entry in zip.Entries)
        {
            using var reader = new StreamReader(entry.Open());
            files[Path.GetFileName(entry.FullName)] = await reader.ReadToEndAsync();
        }

        return files;
    }
}
