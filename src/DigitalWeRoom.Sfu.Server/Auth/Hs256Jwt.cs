using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>
/// The checks every HS256 JWT we accept passes (RFC 7519 §7.2, RFC 8725): well-formed, <c>alg</c> exactly HS256
/// (never <c>none</c>), issuer names a configured key, MAC equal in constant time, <c>exp</c> present and not past,
/// <c>nbf</c> not in the future, both with a small clock skew. Shared by room tokens and webhook signatures.
/// </summary>
public static class Hs256Jwt
{
    /// <summary>Tokens longer than this are refused before any parsing.</summary>
    public const int MaxTokenLength = 4096;

    public static bool TryVerify(string? token, Func<string, byte[]?> secretForIssuer, DateTimeOffset now, TimeSpan skew,
        out JsonWebToken jwt, out TokenRejection rejection, out string error)
    {
        jwt = null!;
        if (string.IsNullOrWhiteSpace(token))
        {
            return Fail(TokenRejection.Missing, "a token is required", out rejection, out error);
        }

        if (token.Length > MaxTokenLength)
        {
            return Fail(TokenRejection.Malformed, "the token is too long", out rejection, out error);
        }

        try
        {
            jwt = new JsonWebToken(token);
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException or JsonException or FormatException)
        {
            return Fail(TokenRejection.Malformed, "the token is not a well-formed JWT", out rejection, out error);
        }

        // RFC 8725 §3.1: accept exactly the algorithm we issue; "none" and every other value are refused.
        if (!string.Equals(jwt.Alg, SecurityAlgorithms.HmacSha256, StringComparison.Ordinal))
        {
            return Fail(TokenRejection.AlgorithmNotAllowed, $"algorithm '{jwt.Alg}' is not allowed; tokens are signed with HS256", out rejection, out error);
        }

        string? issuer = GetString(jwt, "iss");
        byte[]? secret = issuer is null ? null : secretForIssuer(issuer);
        if (secret is null)
        {
            return Fail(TokenRejection.UnknownKey, "the token's issuer (API key) is not configured on this server", out rejection, out error);
        }

        if (!VerifySignature(jwt, secret))
        {
            return Fail(TokenRejection.BadSignature, "the token's signature does not match its API key", out rejection, out error);
        }

        if (!TryGetTime(jwt, "exp", out DateTimeOffset exp))
        {
            return Fail(TokenRejection.MissingClaim, "the token has no exp (expiry) claim", out rejection, out error);
        }

        if (now > exp + skew)
        {
            return Fail(TokenRejection.Expired, $"the token expired at {exp:u}", out rejection, out error);
        }

        if (TryGetTime(jwt, "nbf", out DateTimeOffset nbf) && now + skew < nbf)
        {
            return Fail(TokenRejection.NotYetValid, $"the token is not valid before {nbf:u}", out rejection, out error);
        }

        rejection = TokenRejection.None;
        error = "";
        return true;
    }

    /// <summary>Signs <paramref name="payloadJson"/> with HS256; header <c>{"alg":"HS256","typ":"JWT"}</c>.</summary>
    public static string Sign(string payloadJson, byte[] secret)
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(payloadJson, new SigningCredentials(new SymmetricSecurityKey(secret), SecurityAlgorithms.HmacSha256));
    }

    public static string? GetString(JsonWebToken jwt, string claim) =>
        jwt.TryGetPayloadValue(claim, out string? value) ? value : null;

    public static bool TryGetTime(JsonWebToken jwt, string claim, out DateTimeOffset time)
    {
        time = default;
        if (jwt.TryGetPayloadValue(claim, out long seconds) && seconds is > 0 and < 253402300799)
        {
            time = DateTimeOffset.FromUnixTimeSeconds(seconds);
            return true;
        }

        return false;
    }

    private static bool VerifySignature(JsonWebToken jwt, byte[] secret)
    {
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(jwt.EncodedHeader + "." + jwt.EncodedPayload), expected);
        Span<byte> given = stackalloc byte[64];
        if (jwt.EncodedSignature.Length > 86
            || Base64Url.DecodeFromChars(jwt.EncodedSignature, given, out _, out int written) != System.Buffers.OperationStatus.Done)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(expected, given[..written]);
    }

    private static bool Fail(TokenRejection value, string text, out TokenRejection rejection, out string error)
    {
        rejection = value;
        error = text;
        return false;
    }
}
