using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using DigitalWeRoom.Sfu.Server.Auth;
using DigitalWeRoom.Sfu.Server.Tests.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Server.Tests.Security;

/// <summary>
/// Finding 12 of issue #12: extreme <c>exp</c>/<c>nbf</c> values never throw (an <c>exp</c> near DateTime.MaxValue
/// plus the clock skew did), and the <c>token</c> command refuses what it does not know instead of minting a
/// token without the grant the operator meant.
/// </summary>
public sealed class TokenValidationEdgeTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    private static string Sign(string payloadJson)
    {
        string header = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8);
        string payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payloadJson));
        byte[] mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(RoomTokenServiceTests.Secret), Encoding.ASCII.GetBytes(header + "." + payload));
        return header + "." + payload + "." + Base64Url.EncodeToString(mac);
    }

    private static string Claims(string exp, string? nbf = null) =>
        $$$"""{"iss":"{{{RoomTokenServiceTests.Key}}}","sub":"u"{{{(nbf is null ? "" : ",\"nbf\":" + nbf)}}},"exp":{{{exp}}},"video":{"room":"standup"}}""";

    [Theory]
    [InlineData("253402300798")] // 9999-12-31T23:59:58Z: plus 10 s of skew is past DateTime.MaxValue
    [InlineData("253402300799")]
    [InlineData("253402300800")]
    [InlineData("9223372036854775807")]
    [InlineData("1e300")]
    public void A_far_future_exp_is_judged_without_throwing(string exp)
    {
        RoomTokenResult result = RoomTokenServiceTests.Service(_time).ValidateForRoom(Sign(Claims(exp)), "standup");
        Assert.True(result.IsValid || result.Error.Length > 0);
    }

    [Fact]
    public void An_exp_one_second_before_the_end_of_time_is_accepted_and_reported()
    {
        RoomTokenResult result = RoomTokenServiceTests.Service(_time).ValidateForRoom(Sign(Claims("253402300798")), "standup");
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(9999, result.Grant!.ExpiresAt.Year);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("-9223372036854775808")]
    [InlineData("\"tomorrow\"")]
    [InlineData("null")]
    public void A_past_zero_or_ill_typed_exp_is_refused(string exp)
    {
        RoomTokenResult result = RoomTokenServiceTests.Service(_time).Validate(Sign(Claims(exp)));
        Assert.False(result.IsValid);
        Assert.Contains(result.Rejection, new[] { TokenRejection.Expired, TokenRejection.MissingClaim, TokenRejection.Malformed });
    }

    [Theory]
    [InlineData("253402300799")]
    [InlineData("9223372036854775807")]
    public void An_nbf_at_the_end_of_time_is_not_yet_valid(string nbf)
    {
        long exp = _time.GetUtcNow().ToUnixTimeSeconds() + 3600;
        RoomTokenResult result = RoomTokenServiceTests.Service(_time).Validate(Sign(Claims(exp.ToString(System.Globalization.CultureInfo.InvariantCulture), nbf)));
        Assert.Equal(TokenRejection.NotYetValid, result.Rejection);
    }

    private static IConfiguration Config() =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"Sfu:Auth:Keys:{RoomTokenServiceTests.Key}"] = RoomTokenServiceTests.Secret,
        }).Build();

    [Theory]
    [InlineData("--admn")]
    [InlineData("--serveradmin")]
    [InlineData("-admin")]
    [InlineData("extra")]
    public void The_token_command_refuses_an_unknown_flag_or_argument_and_prints_no_token(string unknown)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = TokenCommand.Run(["--room", "standup", "--identity", "ada", unknown], output, error, Config());
        Assert.NotEqual(0, exit);
        Assert.Equal("", output.ToString());
        Assert.Contains(unknown, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_token_command_refuses_a_flag_without_its_value()
    {
        var output = new StringWriter();
        int exit = TokenCommand.Run(["--room", "standup", "--identity"], output, TextWriter.Null, Config());
        Assert.NotEqual(0, exit);
        Assert.Equal("", output.ToString());
    }
}
