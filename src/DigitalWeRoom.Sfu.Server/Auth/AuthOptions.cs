using System.Text;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>
/// Room tokens, bound from <c>Sfu:Auth</c>. With no keys the server is open (the embedded default listens on
/// localhost only); with keys every join needs a token signed by one of them. See README "Turning on tokens".
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Sfu:Auth";

    /// <summary>Minimum secret length: HS256 keys shorter than the hash (32 bytes) weaken the MAC (RFC 7518 §3.2).</summary>
    public const int MinSecretBytes = 32;

    /// <summary>API key → API secret. The key is the token's <c>iss</c>; the secret signs it (HS256).</summary>
    public Dictionary<string, string> Keys { get; set; } = [];

    /// <summary>Lets the meeting page ask <c>GET /api/token/guest</c> for a token for any room (publish and subscribe, no admin).</summary>
    public bool AllowGuests { get; set; }

    /// <summary>
    /// Where the meeting page gets its token when keys are configured: the operator's own service (same origin, or one
    /// that allows this origin by CORS), called as <c>GET {TokenUrl}?room=&amp;name=</c> and answering <c>{"token": "..."}</c>
    /// or the bare token. Unset: the page asks this server's <c>/api/token/guest</c> when <see cref="AllowGuests"/> is on,
    /// else it needs <c>?token=</c> in its URL.
    /// </summary>
    public string? TokenUrl { get; set; }

    /// <summary>Lifetime of a minted token when none is asked for.</summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromHours(6);

    /// <summary>Longest lifetime a token may be minted with.</summary>
    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Lifetime of a guest token: it is used once, at join.</summary>
    public TimeSpan GuestTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Allowed difference between our clock and the issuer's for <c>nbf</c>/<c>exp</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(10);

    public bool Enabled => Keys.Count > 0;
}

/// <summary>Start-up checks of <see cref="AuthOptions"/> (secrets ≥ 32 bytes, sane lifetimes).</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new List<string>();
        foreach ((string key, string secret) in options.Keys)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length > 128)
            {
                errors.Add($"{AuthOptions.SectionName}:Keys: API key names must be 1-128 characters.");
            }

            if (Encoding.UTF8.GetByteCount(secret ?? "") < AuthOptions.MinSecretBytes)
            {
                errors.Add($"{AuthOptions.SectionName}:Keys:{key}: the secret must be at least {AuthOptions.MinSecretBytes} bytes (e.g. `openssl rand -base64 32`).");
            }
        }

        if (options.AllowGuests && !options.Enabled)
        {
            errors.Add($"{AuthOptions.SectionName}:AllowGuests needs at least one key in {AuthOptions.SectionName}:Keys to sign guest tokens.");
        }

        if (!string.IsNullOrEmpty(options.TokenUrl)
            && !(options.TokenUrl.StartsWith('/') && !options.TokenUrl.StartsWith("//", StringComparison.Ordinal))
            && !(Uri.TryCreate(options.TokenUrl, UriKind.Absolute, out Uri? url) && url.Scheme is "https" or "http"))
        {
            errors.Add($"{AuthOptions.SectionName}:TokenUrl must be an http(s) URL or a path starting with '/'.");
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > TimeSpan.FromMinutes(5))
        {
            errors.Add($"{AuthOptions.SectionName}:ClockSkew must be between 0 and 5 minutes.");
        }

        if (options.DefaultTtl <= TimeSpan.Zero || options.GuestTtl <= TimeSpan.Zero || options.DefaultTtl > options.MaxTtl)
        {
            errors.Add($"{AuthOptions.SectionName}: DefaultTtl and GuestTtl must be positive and DefaultTtl at most MaxTtl.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
