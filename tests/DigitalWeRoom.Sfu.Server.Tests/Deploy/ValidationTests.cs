using DigitalWeRoom.Sfu.Server.Deploy;

namespace DigitalWeRoom.Sfu.Server.Tests.Deploy;

public sealed class ValidationTests
{
    private static readonly DeployRequest Valid = new("small", "ghent", "myroom", "ava.tf", null, null);

    [Fact]
    public void Valid_request_has_no_errors()
    {
        Assert.Empty(DeployRequestValidator.Validate(Valid));
        Assert.Empty(DeployRequestValidator.Validate(BundleGoldenTests.Cases["mid"]));
    }

    [Theory]
    [InlineData("1room")]          // starts with a digit
    [InlineData("a")]              // too short
    [InlineData("abcdefghijklmnop")] // 16 characters
    [InlineData("my-room")]        // hyphen
    [InlineData("my room")]
    [InlineData("")]
    [InlineData("room\n")]         // $ in .NET matches before a final newline; the validator must not
    [InlineData("rööm")]
    public void Bad_name_is_reported_on_the_name_field(string name)
    {
        var error = Assert.Single(DeployRequestValidator.Validate(Valid with { Name = name }));
        Assert.Equal("name", error.Field);
        Assert.StartsWith("name: ", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("letters, digits or underscores", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("A_")]
    [InlineData("abcdefghijklmno")] // 15 characters
    [InlineData("Team_Room_2")]
    public void Good_names_pass(string name) => Assert.Empty(DeployRequestValidator.Validate(Valid with { Name = name }));

    [Theory]
    [InlineData("example.com")]
    [InlineData("AVA.TF")]
    [InlineData("")]
    public void Unknown_domain_is_reported_on_the_domain_field(string domain)
    {
        var error = Assert.Single(DeployRequestValidator.Validate(Valid with { Domain = domain }));
        Assert.Equal("domain", error.Field);
        Assert.Contains("ava.tf", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("huge")]
    [InlineData("Small")]
    [InlineData(null)]
    public void Unknown_size_is_reported_on_the_size_field(string? size)
    {
        var error = Assert.Single(DeployRequestValidator.Validate(Valid with { Size = size }));
        Assert.Equal("size", error.Field);
        Assert.Contains("small, mid, large", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_location_is_reported_on_the_location_field()
    {
        var error = Assert.Single(DeployRequestValidator.Validate(Valid with { Location = "paris" }));
        Assert.Equal("location", error.Field);
    }

    [Theory]
    [InlineData("not a key")]
    [InlineData("ssh-dss AAAAB3NzaC1kc3MAAACBAP")]                                        // type sshd no longer accepts
    [InlineData("ssh-ed25519 !!!notbase64")]
    [InlineData("ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 me")]                       // blob says ssh-rsa
    [InlineData("ssh-ed25519 AAAA")]                                                      // truncated
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKSh+evPnHEBPYh6gT3LC0A5cCI1uPdGgWfMYxkg7e6A a\nssh-rsa AAAA b")]
    public void Bad_ssh_key_is_reported_on_the_ssh_key_field(string key)
    {
        var error = Assert.Single(DeployRequestValidator.Validate(Valid with { SshKey = key }));
        Assert.Equal("ssh_key", error.Field);
        Assert.Contains("OpenSSH public key", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://github.com/x/y.git")]
    [InlineData("git@github.com:x/y.git")]
    [InlineData("https://github.com/x/y.git; rm -rf /")]
    [InlineData("https://github.com/x/$(id)")]
    [InlineData("https://")]
    public void Bad_git_url_is_reported_on_the_git_url_field(string url)
    {
        var error = Assert.Single(DeployRequestValidator.Validate(Valid with { GitUrl = url }));
        Assert.Equal("git_url", error.Field);
        Assert.Contains("https://", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_bad_field_is_reported_at_once()
    {
        var errors = DeployRequestValidator.Validate(new DeployRequest("x", "y", "1", "z", "ftp://a", "b"));
        Assert.Equal(["size", "location", "name", "domain", "git_url", "ssh_key"], errors.Select(e => e.Field));
    }

    [Fact]
    public void Generate_refuses_an_invalid_request_and_names_the_field()
    {
        var ex = Assert.Throws<ArgumentException>(() => TfGridBundle.Generate(Valid with { Domain = "evil.com" }));
        Assert.Contains("domain:", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_reports_invalid_fields_by_name_and_exits_1()
    {
        var stderr = new StringWriter();
        var code = await DeployCommand.RunAsync(
            ["tfgrid", "--size", "huge", "--location", "ghent", "--name", "my-room", "--domain", "ava.tf", "--out", "/nonexistent/x"],
            new StringWriter(), stderr);
        Assert.Equal(1, code);
        Assert.Contains("size: unknown size; choose one of small, mid, large.", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains("name: use 2-15", stderr.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists("/nonexistent/x"));
    }

    [Theory]
    [InlineData("--bogus", "x")]
    [InlineData("--size")]
    public async Task Cli_rejects_bad_options(params string[] args)
    {
        var stderr = new StringWriter();
        var code = await DeployCommand.RunAsync(["tfgrid", .. args], new StringWriter(), stderr);
        Assert.Equal(2, code);
        Assert.Contains("usage:", stderr.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("plain", "\"plain\"")]
    [InlineData("a\"b\\c", "\"a\\\"b\\\\c\"")]
    [InlineData("${x} %{y} $z %w", "\"$${x} %%{y} $z %w\"")]
    [InlineData("line\nbreak", "\"line\\nbreak\"")]
    public void Hcl_quoting_escapes_quotes_and_template_markers(string value, string expected) =>
        Assert.Equal(expected, HclWriter.Quote(value));
}
