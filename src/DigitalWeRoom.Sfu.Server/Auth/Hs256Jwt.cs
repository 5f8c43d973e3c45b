using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>
/// The checks every HS256 JWT we accept passes (RFC 7519 §7.2, RFC 8725), made by
/// <see cref="JsonWebTokenHandler.ValidateTokenAsync(string, TokenValidationParameters)"/>: well-formed, <c>alg</c> exactly
/// HS256 (never <c>none</c>), the key found by <c>iss</c>, the MAC, <c>exp</c> required and not past, <c>nbf</c> not in the
/// future, both with the clock skew. Each refusal keeps its own <see cref="TokenRejection"/>. Shared by room tokens and
/// webhook signatures.
/// </summary>
public static class Hs256Jwt
{
    /// <summary>Tokens longer than this are refused before any parsing.</summary>
    public const int MaxTokenLength = 4096;

    private static readonly JsonWebTokenHandler Handler = new() { MaximumTokenSizeInBytes = MaxTokenLength };

    public static bool TryVerify(string? token, Func<string, byte[]?> secretForIssuer, DateTimeOffset now, TimeSpan skew,
        out JsonWebToken jwt, out TokenRejection rejection, out string error) =>
        TryVerify(token, secretForIssuer, new FixedTimeProvider(now), skew, out jwt, out rejection, out error);

    public static bool TryVerify(string? token, Func<string, byte[]?> secretForIssuer, TimeProvider time, TimeSpan skew,
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

        // RFC 8725 §3.1: accept exactly the algorithm we issue. Checked here first so the refusal names the algorithm;
        // ValidAlgorithms below says the same to the handler.
        if (!string.Equals(jwt.Alg, SecurityAlgorithms.HmacSha256, StringComparison.Ordinal))
        {
            return Fail(TokenRejection.AlgorithmNotAllowed, $"algorithm '{jwt.Alg}' is not allowed; tokens are signed with HS256", out rejection, out error);
        }

        if (GetString(jwt, "iss") is not { } issuer || secretForIssuer(issuer) is not { } secret)
        {
            return Fail(TokenRejection.UnknownKey, "the token's issuer (API key) is not configured on this server", out rejection, out error);
        }

        var key = new SymmetricSecurityKey(secret);
        var parameters = new TokenValidationParameters
        {
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            // The key is the one its iss names (looked up above): no kid, no trying every key.
            IssuerSigningKeyResolver = (_, _, _, _) => [key],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = skew,
            // Our clock (tests use a fake one); the arithmetic moves "now", never exp, so exp near DateTime.MaxValue is safe.
            LifetimeValidator = (notBefore, expires, _, _) => ValidateLifetime(notBefore, expires, time.GetUtcNow().UtcDateTime, skew),
            // The issuer is bound by the key it selects: a token of key A never verifies with key B.
            ValidateIssuer = false,
            ValidateAudience = false,
            TryAllIssuerSigningKeys = false,
        };

        // Symmetric keys, no metadata to fetch: the task completes synchronously.
        TokenValidationResult result = Handler.ValidateTokenAsync(token, parameters).GetAwaiter().GetResult();
        if (!result.IsValid)
        {
            (TokenRejection reason, string text) = Explain(result.Exception, jwt);
            return Fail(reason, text, out rejection, out error);
        }

        jwt = (JsonWebToken)result.SecurityToken;
        rejection = TokenRejection.None;
        error = "";
        return true;
    }

    private static bool ValidateLifetime(DateTime? notBefore, DateTime? expires, DateTime now, TimeSpan skew)
    {
        if (expires is not { } exp)
        {
            throw new SecurityTokenNoExpirationException("no exp");
        }

        if (now - skew > exp)
        {
            throw new SecurityTokenExpiredException("expired") { Expires = exp };
        }

        if (notBefore is { } nbf && now + skew < nbf)
        {
            throw new SecurityTokenNotYetValidException("not yet valid") { NotBefore = nbf };
        }

        return true;
    }

    /// <summary>The handler's exception as one of the refusals the README lists.</summary>
    private static (TokenRejection, string) Explain(Exception? exception, JsonWebToken jwt) => exception switch
    {
        SecurityTokenExpiredException e => (TokenRejection.Expired, $"the token expired at {e.Expires:u}"),
        SecurityTokenNotYetValidException e => (TokenRejection.NotYetValid, $"the token is not valid before {e.NotBefore:u}"),
        SecurityTokenNoExpirationException => (TokenRejection.MissingClaim, "the token has no exp (expiry) claim"),
        SecurityTokenInvalidLifetimeException => (TokenRejection.NotYetValid, "the token's nbf is after its exp"),
        SecurityTokenInvalidAlgorithmException => (TokenRejection.AlgorithmNotAllowed, $"algorithm '{jwt.Alg}' is not allowed; tokens are signed with HS256"),
        // The key exists (checked before): a signature it does not verify is reported as "key not found" by the handler.
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => (TokenRejection.BadSignature, "the token's signature does not match its API key"),
        _ => (TokenRejection.Malformed, "the token is not a well-formed JWT"),
    };

    /// <summary>Signs <paramref name="payloadJson"/> with HS256; header <c>{"alg":"HS256","typ":"JWT"}</c>.</summary>
    public static string Sign(string payloadJson, byte[] secret)
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(payloadJson, new SigningCredentials(new SymmetricSecurityKey(secret), SecurityAlgorithms.HmacSha256));
    }

    public static string? GetString(JsonWebToken jwt, string claim) =>
        jwt.TryGetPayloadValue(claim, out string? value) ? value : null;

    private static bool Fail(TokenRejection value, string text, out TokenRejection rejection, out string error)
    {
        rejection = value;
        error = text;
        return false;
    }

    /// <summary>A clock stopped at one instant, for callers that pass the time rather than a provider.</summary>
    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
