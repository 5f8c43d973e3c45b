using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using DigitalWeRoom.Sfu.Server.Endpoints;

namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>What to put in a new room token.</summary>
public sealed record RoomTokenRequest(string Identity, string? Name, VideoGrant Video, TimeSpan? Ttl = null);

/// <summary>A minted token and when it stops being valid.</summary>
public sealed record IssuedToken(string Token, DateTimeOffset ExpiresAt, string ApiKey);

/// <summary>
/// Issues and validates room tokens: JWTs (RFC 7519) signed with HS256 (RFC 7518 §3.2) by an API secret from
/// <c>Sfu:Auth:Keys</c>. Claims: <c>iss</c> API key, <c>sub</c> identity, <c>name</c>, <c>nbf</c>/<c>exp</c>/<c>iat</c>,
/// and a <c>video</c> object {room, canPublish, canSubscribe, roomAdmin, serverAdmin}.
/// </summary>
/// <remarks>
/// Signature, algorithm, key and lifetime are checked by <see cref="Hs256Jwt"/> (JsonWebTokenHandler, HS256 only, key by
/// <c>iss</c>, <c>exp</c> required, the configured clock skew); each refusal keeps its own <see cref="TokenRejection"/>.
/// </remarks>
public sealed class RoomTokenService
{
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, byte[]> _secrets;

    public RoomTokenService(IOptions<AuthOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _secrets = _options.Keys.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value), StringComparer.Ordinal);
    }

    /// <summary>True when keys are configured and joins need a token.</summary>
    public bool Enabled => _secrets.Count > 0;

    public AuthOptions Options => _options;

    /// <summary>Mints a token with <paramref name="apiKey"/> (default: the first configured key).</summary>
    public IssuedToken Issue(RoomTokenRequest request, string? apiKey = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.Identity);
        apiKey ??= _secrets.Keys.Order(StringComparer.Ordinal).FirstOrDefault()
            ?? throw new InvalidOperationException($"No API keys are configured ({AuthOptions.SectionName}:Keys).");
        if (!_secrets.TryGetValue(apiKey, out byte[]? secret))
        {
            throw new ArgumentException($"Unknown API key '{apiKey}'.", nameof(apiKey));
        }

        TimeSpan ttl = request.Ttl ?? _options.DefaultTtl;
        if (ttl <= TimeSpan.Zero || ttl > _options.MaxTtl)
        {
            throw new ArgumentOutOfRangeException(nameof(request), $"ttl must be positive and at most {_options.MaxTtl}.");
        }

        if (!request.Video.ServerAdmin && string.IsNullOrEmpty(request.Video.Room))
        {
            throw new ArgumentException("A room token needs a room.", nameof(request));
        }

        DateTimeOffset now = _time.GetUtcNow();
        long iat = now.ToUnixTimeSeconds();
        long exp = (now + ttl).ToUnixTimeSeconds();
        var video = new Dictionary<string, object>
        {
            ["canPublish"] = request.Video.CanPublish,
            ["canSubscribe"] = request.Video.CanSubscribe,
            ["roomAdmin"] = request.Video.RoomAdmin,
        };
        if (request.Video.Room is not null)
        {
            video["room"] = request.Video.Room;
        }

        if (request.Video.ServerAdmin)
        {
            video["serverAdmin"] = true;
        }

        var payload = new Dictionary<string, object>
        {
            ["iss"] = apiKey,
            ["sub"] = request.Identity,
            ["iat"] = iat,
            ["nbf"] = iat,
            ["exp"] = exp,
            ["video"] = video,
        };
        if (!string.IsNullOrEmpty(request.Name))
        {
            payload["name"] = request.Name;
        }

        string token = Hs256Jwt.Sign(JsonSerializer.Serialize(payload, WireJsonContext.Default.DictionaryStringObject), secret);
        return new IssuedToken(token, DateTimeOffset.FromUnixTimeSeconds(exp), apiKey);
    }

    /// <summary>Checks a token for joining <paramref name="room"/>: valid, and its grant names exactly that room.</summary>
    public RoomTokenResult ValidateForRoom(string? token, string room)
    {
        RoomTokenResult result = Validate(token);
        if (!result.IsValid)
        {
            return result;
        }

        if (!Rooms.RoomName.Same(result.Grant!.Video.Room, room))
        {
            return RoomTokenResult.Fail(TokenRejection.WrongRoom, $"the token is for room '{result.Grant.Video.Room}', not '{room}'");
        }

        return result;
    }

    /// <summary>Checks a token for the operator API: valid and carrying <c>serverAdmin</c>.</summary>
    public RoomTokenResult ValidateServerAdmin(string? token)
    {
        RoomTokenResult result = Validate(token);
        return !result.IsValid || result.Grant!.Video.ServerAdmin
            ? result
            : RoomTokenResult.Fail(TokenRejection.NotAdmin, "the token does not carry the serverAdmin grant");
    }

    /// <summary>Signature, algorithm, key, lifetime and claims. Total: never throws on any input.</summary>
    public RoomTokenResult Validate(string? token)
    {
        if (!Hs256Jwt.TryVerify(token, issuer => _secrets.GetValueOrDefault(issuer), _time, _options.ClockSkew,
                out JsonWebToken jwt, out TokenRejection rejection, out string error))
        {
            return RoomTokenResult.Fail(rejection, error);
        }

        string apiKey = Hs256Jwt.GetString(jwt, "iss")!;
        DateTimeOffset exp = new(DateTime.SpecifyKind(jwt.ValidTo, DateTimeKind.Utc));
        string? identity = Hs256Jwt.GetString(jwt, "sub");
        if (!TryReadVideoGrant(jwt, out VideoGrant? video))
        {
            return RoomTokenResult.Fail(TokenRejection.MissingClaim, "the token has no valid video grant");
        }

        if (string.IsNullOrEmpty(identity) && !video.ServerAdmin)
        {
            return RoomTokenResult.Fail(TokenRejection.MissingClaim, "the token has no sub (identity) claim");
        }

        return new RoomTokenResult(TokenRejection.None, "", new JoinGrant(identity ?? "", Hs256Jwt.GetString(jwt, "name"), video, apiKey, exp));
    }

    /// <summary>True when <paramref name="candidate"/> equals one of the API secrets (compared in constant time).</summary>
    public bool IsApiSecret(string candidate)
    {
        byte[] given = SHA256.HashData(Encoding.UTF8.GetBytes(candidate));
        bool match = false;
        foreach (byte[] secret in _secrets.Values)
        {
            match |= CryptographicOperations.FixedTimeEquals(given, SHA256.HashData(secret));
        }

        return match;
    }

    private static bool TryReadVideoGrant(JsonWebToken jwt, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out VideoGrant? grant)
    {
        grant = null;
        try
        {
            byte[] payload = Base64Url.DecodeFromChars(jwt.EncodedPayload);
            using JsonDocument document = JsonDocument.Parse(payload);
            if (!document.RootElement.TryGetProperty("video", out JsonElement video) || video.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            string? room = null;
            if (video.TryGetProperty("room", out JsonElement r))
            {
                if (r.ValueKind != JsonValueKind.String)
                {
                    return false;
                }

                room = r.GetString();
            }

            grant = new VideoGrant
            {
                Room = room,
                CanPublish = ReadBool(video, "canPublish", fallback: true),
                CanSubscribe = ReadBool(video, "canSubscribe", fallback: true),
                RoomAdmin = ReadBool(video, "roomAdmin", fallback: false),
                ServerAdmin = ReadBool(video, "serverAdmin", fallback: false),
            };
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return false;
        }
    }

    private static bool ReadBool(JsonElement video, string name, bool fallback) =>
        video.TryGetProperty(name, out JsonElement value)
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw new FormatException($"{name} is not a boolean"),
            }
            : fallback;
}
