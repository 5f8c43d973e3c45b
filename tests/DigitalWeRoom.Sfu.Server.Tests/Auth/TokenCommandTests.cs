using DigitalWeRoom.Sfu.Server.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Server.Tests.Auth;

public sealed class TokenCommandTests
{
    private static IConfiguration Config(string secret = RoomTokenServiceTests.Secret) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = secret,
        }).Build();

    [Fact]
    public void Cli_mints_a_token_that_validates()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = TokenCommand.Run(["--room", "standup", "--identity", "ada", "--name", "Ada L", "--ttl", "1h", "--admin"], output, error, Config(), time);
        Assert.True(exit == 0, error.ToString());

        string token = output.ToString().Trim();
        RoomTokenResult result = RoomTokenServiceTests.Service(time).ValidateForRoom(token, "standup");
        Assert.True(result.IsValid, result.Error);
        Assert.Equal("ada", result.Grant!.Identity);
        Assert.Equal("Ada L", result.Grant.Name);
        Assert.True(result.Grant.Video.RoomAdmin);
        Assert.Equal(time.GetUtcNow().AddHours(1).ToUnixTimeSeconds(), result.Grant.ExpiresAt.ToUnixTimeSeconds());

        time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(11));
        Assert.Equal(TokenRejection.Expired, RoomTokenServiceTests.Service(time).Validate(token).Rejection);
    }

    [Fact]
    public void Cli_refuses_missing_arguments_short_secrets_and_no_keys()
    {
        Assert.Equal(2, TokenCommand.Run(["--identity", "ada"], TextWriter.Null, TextWriter.Null, Config()));
        Assert.Equal(2, TokenCommand.Run(["--room", "r", "--identity", "ada", "--ttl", "soon"], TextWriter.Null, TextWriter.Null, Config()));
        var error = new StringWriter();
        Assert.Equal(1, TokenCommand.Run(["--room", "r", "--identity", "ada"], TextWriter.Null, error, Config("too-short")));
        Assert.Contains("at least 32 bytes", error.ToString(), StringComparison.Ordinal);
        error = new StringWriter();
        Assert.Equal(1, TokenCommand.Run(["--room", "r", "--identity", "ada"], TextWriter.Null, error, new ConfigurationBuilder().Build()));
        Assert.Contains("no API keys", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("30m", 1800)]
    [InlineData("1h", 3600)]
    [InlineData("2d", 172800)]
    [InlineData("01:30:00", 5400)]
    public void Ttl_parses_units(string text, int seconds)
    {
        Assert.True(Ttl.TryParse(text, out TimeSpan ttl));
        Assert.Equal(TimeSpan.FromSeconds(seconds), ttl);
    }
}
