using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using DigitalWeRoom.Sfu.Server.Auth;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Server.Tests.Auth;

public sealed class RoomTokenServiceTests
{
    internal const string Key = "APIdev";
    internal const string Secret = "0123456789abcdef0123456789abcdef-dev-secret";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));

    internal static RoomTokenService Service(TimeProvider time, params (string Key, string Secret)[] keys) =>
        new(Microsoft.Extensions.Options.Options.Create(new AuthOptions
        {
            Keys = (keys.Length == 0 ? [(Key, Secret)] : keys).ToDictionary(k => k.Key, k => k.Secret),
        }), time);

    private RoomTokenService Service() => Service(_time);

    private string Mint(string room = "standup", TimeSpan? ttl = null, bool roomAdmin = false) =>
        Service().Issue(new RoomTokenRequest("user-1", "Ada", new VideoGrant { Room = room, CanPublish = false, RoomAdmin = roomAdmin }, ttl)).Token;

    [Fact]
    public void Valid_token_is_accepted_with_its_grant()
    {
        RoomTokenResult result = Service().ValidateForRoom(Mint(roomAdmin: true), "standup");
        Assert.True(result.IsValid, result.Error);
        JoinGrant grant = result.Grant!;
        Assert.Equal("user-1", grant.Identity);
        Assert.Equal("Ada", grant.Name);
        Assert.Equal(Key, grant.ApiKey);
        Assert.Equal(new VideoGrant { Room = "standup", CanPublish = false, CanSubscribe = true, RoomAdmin = true }, grant.Video);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromHours(6), grant.ExpiresAt);
    }

    [Fact]
    public void Token_claims_are_in_the_video_grant_shape()
    {
        string token = Mint();
        string[] parts = token.Split('.');
        Assert.Equal("""{"alg":"HS256","typ":"JWT"}""", Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[0])));
        string payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1]));
        Assert.Contains("\"iss\":\"APIdev\"", payload, StringComparison.Ordinal);
        Assert.Contains("\"sub\":\"user-1\"", payload, StringComparison.Ordinal);
        Assert.Contains("\"video\":{\"canPublish\":false,\"canSubscribe\":true,\"roomAdmin\":false,\"room\":\"standup\"}", payload, StringComparison.Ordinal);
        Assert.Contains($"\"exp\":{_time.GetUtcNow().AddHours(6).ToUnixTimeSeconds()}", payload, StringComparison.Ordinal);
    }

    [Fact]
    public void Expired_token_is_rejected_after_the_skew_only()
    {
        string token = Mint(ttl: TimeSpan.FromMinutes(1));
        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(9));
        Assert.True(Service().Validate(token).IsValid, "inside the 10 s skew");
        _time.Advance(TimeSpan.FromSeconds(2));
        RoomTokenResult result = Service().Validate(token);
        Assert.Equal(TokenRejection.Expired, result.Rejection);
        Assert.Contains("expired", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_yet_valid_token_is_rejected()
    {
        var future = new FakeTimeProvider(_time.GetUtcNow() + TimeSpan.FromMinutes(5));
        string token = Service(future).Issue(new RoomTokenRequest("u", null, new VideoGrant { Room = "standup" })).Token;
        RoomTokenResult result = Service().Validate(token);
        Assert.Equal(TokenRejection.NotYetValid, result.Rejection);
        Assert.Contains("not valid before", result.Error, StringComparison.Ordinal);

        // Five seconds early is inside the skew.
        var almost = new FakeTimeProvider(_time.GetUtcNow() + TimeSpan.FromSeconds(5));
        Assert.True(Service().Validate(Service(almost).Issue(new RoomTokenRequest("u", null, new VideoGrant { Room = "r" })).Token).IsValid);
    }

    [Fact]
    public void Token_for_another_room_is_rejected_exactly()
    {
        string token = Mint("standup");
        Assert.Equal(TokenRejection.WrongRoom, Service().ValidateForRoom(token, "standup2").Rejection);
        Assert.Equal(TokenRejection.WrongRoom, Service().ValidateForRoom(token, "Standup").Rejection);
        Assert.Equal(TokenRejection.WrongRoom, Service().ValidateForRoom(Mint("*"), "standup").Rejection);
        Assert.Contains("not 'standup2'", Service().ValidateForRoom(token, "standup2").Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Token_signed_with_another_secret_is_rejected()
    {
        string forged = Service(_time, (Key, "another-secret-that-is-long-enough-0123456789")).Issue(
            new RoomTokenRequest("mallory", null, new VideoGrant { Room = "standup" })).Token;
        RoomTokenResult result = Service().Validate(forged);
        Assert.Equal(TokenRejection.BadSignature, result.Rejection);

        string token = Mint();
        string tampered = token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1];
        Assert.Equal(TokenRejection.BadSignature, Service().Validate(tampered).Rejection);

        // Changing the payload (room) keeps the old signature: refused.
        string[] parts = token.Split('.');
        string payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace("standup", "boardroom", StringComparison.Ordinal);
        string swapped = parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload)) + "." + parts[2];
        Assert.Equal(TokenRejection.BadSignature, Service().Validate(swapped).Rejection);
    }

    [Fact]
    public void Token_from_an_unknown_api_key_is_rejected()
    {
        string token = Service(_time, ("APIother", Secret)).Issue(new RoomTokenRequest("u", null, new VideoGrant { Room = "standup" })).Token;
        RoomTokenResult result = Service().Validate(token);
        Assert.Equal(TokenRejection.UnknownKey, result.Rejection);
        Assert.Contains("issuer", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none", "")]
    [InlineData("None", "")]
    [InlineData("HS512", "sig")]
    [InlineData("RS256", "sig")]
    public void Tokens_with_another_algorithm_are_rejected(string alg, string signature)
    {
        long now = _time.GetUtcNow().ToUnixTimeSeconds();
        string header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($$"""{"alg":"{{alg}}","typ":"JWT"}"""));
        string payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            $$$"""{"iss":"{{{Key}}}","sub":"mallory","nbf":{{{now}}},"exp":{{{now + 3600}}},"video":{"room":"standup","roomAdmin":true}}"""));
        RoomTokenResult result = Service().ValidateForRoom($"{header}.{payload}.{signature}", "standup");
        Assert.Equal(TokenRejection.AlgorithmNotAllowed, result.Rejection);
        Assert.Contains(alg, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Token_with_hs256_header_but_no_signature_is_rejected()
    {
        string[] parts = Mint().Split('.');
        Assert.Equal(TokenRejection.BadSignature, Service().Validate(parts[0] + "." + parts[1] + ".").Rejection);
    }

    [Theory]
    [InlineData(null, TokenRejection.Missing)]
    [InlineData("", TokenRejection.Missing)]
    [InlineData("not-a-jwt", TokenRejection.Malformed)]
    [InlineData("a.b.c", TokenRejection.Malformed)]
    [InlineData("....", TokenRejection.Malformed)]
    public void Garbage_is_rejected_with_a_reason(string? token, TokenRejection expected)
    {
        RoomTokenResult result = Service().Validate(token);
        Assert.Equal(expected, result.Rejection);
        Assert.False(string.IsNullOrEmpty(result.Error));
    }

    [Fact]
    public void Token_without_exp_or_grant_is_rejected()
    {
        string header = Base64Url.EncodeToString("""{"alg":"HS256","typ":"JWT"}"""u8);
        Assert.Equal(TokenRejection.MissingClaim, Service().Validate(Sign(header, """{"iss":"APIdev","sub":"u","video":{"room":"r"}}""")).Rejection);
        long exp = _time.GetUtcNow().ToUnixTimeSeconds() + 60;
        Assert.Equal(TokenRejection.MissingClaim, Service().Validate(Sign(header, $$"""{"iss":"APIdev","sub":"u","exp":{{exp}}}""")).Rejection);
        Assert.Equal(TokenRejection.MissingClaim, Service().Validate(Sign(header, $$$"""{"iss":"APIdev","sub":"u","exp":{{{exp}}},"video":{"room":"r","canPublish":"yes"}}""")).Rejection);
        Assert.True(Service().Validate(Sign(header, $$$"""{"iss":"APIdev","sub":"u","exp":{{{exp}}},"video":{"room":"r"}}""")).IsValid);
    }

    [Fact]
    public void Random_mutations_of_a_token_never_throw()
    {
        string token = Mint();
        var random = new Random(7519);
        RoomTokenService service = Service();
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            char[] chars = token.ToCharArray();
            int edits = 1 + random.Next(3);
            for (int e = 0; e < edits; e++)
            {
                chars[random.Next(chars.Length)] = "ABCxyz019-_.=+/{}\"\0"[random.Next(19)];
            }

            string mutated = random.Next(4) == 0 ? new string(chars, 0, random.Next(chars.Length)) : new string(chars);
            RoomTokenResult result = service.Validate(mutated);
            Assert.True(result.IsValid || result.Error.Length > 0);
            accepted += result.IsValid ? 1 : 0;
        }

        Assert.True(accepted < 200, $"{accepted} mutated tokens accepted");
    }

    [Fact]
    public void Api_secret_comparison_matches_only_configured_secrets()
    {
        Assert.True(Service().IsApiSecret(Secret));
        Assert.False(Service().IsApiSecret(Secret + "x"));
        Assert.False(Service().IsApiSecret(""));
    }

    [Fact]
    public void Join_authorizer_is_open_without_keys_and_strict_with_keys()
    {
        var open = new TokenJoinAuthorizer(new RoomTokenService(Microsoft.Extensions.Options.Options.Create(new AuthOptions()), _time));
        Assert.False(open.TokensRequired);
        Assert.True(open.AuthorizeJoin(null, "any", out JoinGrant grant, out _));
        Assert.True(grant.Video.CanPublish);

        var strict = new TokenJoinAuthorizer(Service());
        Assert.True(strict.TokensRequired);
        Assert.False(strict.AuthorizeJoin(null, "standup", out _, out string error));
        Assert.Equal("a token is required", error);
        Assert.False(strict.AuthorizeJoin(Mint("other"), "standup", out _, out error));
        Assert.Contains("room", error, StringComparison.Ordinal);
        Assert.True(strict.AuthorizeJoin(Mint("standup"), "standup", out grant, out _));
        Assert.Equal("user-1", grant.Identity);
    }

    [Theory]
    [InlineData("short", false)]
    [InlineData("0123456789abcdef0123456789abcde", false)]
    [InlineData("0123456789abcdef0123456789abcdef", true)]
    public void Secrets_shorter_than_32_bytes_fail_validation(string secret, bool ok)
    {
        ValidateOptionsResult result = new AuthOptionsValidator().Validate(null, new AuthOptions { Keys = new() { ["k"] = secret } });
        Assert.Equal(ok, result.Succeeded);
        if (!ok)
        {
            Assert.Contains("at least 32 bytes", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    private static string Sign(string header, string payloadJson)
    {
        string payload = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payloadJson));
        byte[] mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.ASCII.GetBytes(header + "." + payload));
        return header + "." + payload + "." + Base64Url.EncodeToString(mac);
    }
}
