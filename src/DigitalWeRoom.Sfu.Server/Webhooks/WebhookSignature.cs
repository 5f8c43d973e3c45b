using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using DigitalWeRoom.Sfu.Server.Auth;
using Microsoft.IdentityModel.JsonWebTokens;
using DigitalWeRoom.Sfu.Server.Endpoints;

namespace DigitalWeRoom.Sfu.Server.Webhooks;

/// <summary>
/// Signs a webhook body and checks such a signature (the receiver's side). The <c>Authorization</c> header
/// carries a short-lived HS256 JWT from the API key (<c>iss</c>) whose <c>sha256</c> claim is the base64
/// SHA-256 of the exact body bytes; the receiver recomputes it and compares in constant time.
/// </summary>
public static class WebhookSignature
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    public static string Create(ReadOnlySpan<byte> body, string apiKey, byte[] secret, DateTimeOffset now)
    {
        long iat = now.ToUnixTimeSeconds();
        var payload = new Dictionary<string, object>
        {
            ["iss"] = apiKey,
            ["iat"] = iat,
            ["nbf"] = iat,
            ["exp"] = iat + (long)Lifetime.TotalSeconds,
            ["sha256"] = Convert.ToBase64String(SHA256.HashData(body)),
        };
        return Hs256Jwt.Sign(JsonSerializer.Serialize(payload, WireJsonContext.Default.DictionaryStringObject), secret);
    }

    /// <summary>
    /// Receiver's check: <paramref name="authorization"/> (the header value, with or without "Bearer ") is a valid
    /// token from one of <paramref name="keys"/> (API key → secret) and its <c>sha256</c> matches <paramref name="body"/>.
    /// </summary>
    public static bool Verify(string? authorization, ReadOnlySpan<byte> body, IReadOnlyDictionary<string, string> keys, DateTimeOffset now, out string error)
    {
        string? token = authorization?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true ? authorization[7..].Trim() : authorization;
        if (!Hs256Jwt.TryVerify(token, issuer => keys.TryGetValue(issuer, out string? s) ? Encoding.UTF8.GetBytes(s) : null,
                now, TimeSpan.FromSeconds(10), out JsonWebToken jwt, out _, out error))
        {
            return false;
        }

        string? claimed = Hs256Jwt.GetString(jwt, "sha256");
        byte[] claimedBytes;
        try
        {
            claimedBytes = claimed is null ? [] : Convert.FromBase64String(claimed);
        }
        catch (FormatException)
        {
            claimedBytes = [];
        }

        Span<byte> actual = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(body, actual);
        if (!CryptographicOperations.FixedTimeEquals(actual, claimedBytes))
        {
            error = "the body does not match the signature's sha256 claim";
            return false;
        }

        error = "";
        return true;
    }
}
