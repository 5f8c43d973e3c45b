using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using DigitalWeRoom.Sfu.Rooms.Signaling;
using DigitalWeRoom.Sfu.Server.Options;

namespace DigitalWeRoom.Sfu.Server.Turn;

/// <summary>
/// Short-lived TURN credentials in the "TURN REST API" scheme that coturn checks with <c>use-auth-secret</c> /
/// <c>static-auth-secret</c> (draft-uberti-behave-turn-rest-00 §2.2): the username is <c>&lt;expiry unix time&gt;:&lt;id&gt;</c>
/// and the password is base64(HMAC-SHA1(secret, username)). The TURN server needs no user database and refuses the
/// username once its time has passed, so a leaked credential is worth at most one TTL.
/// </summary>
internal sealed class TurnRestCredentials(TurnSettings settings, TimeProvider time)
{
    /// <summary>Whether a secret and at least one TURN URL are configured.</summary>
    public bool Enabled => settings.Urls.Count > 0 && !string.IsNullOrEmpty(settings.Secret);

    /// <summary>
    /// How often a participant in a room gets fresh credentials: at three quarters of the TTL, so the ones in use keep a
    /// quarter of it (15 min of the default hour) for the page to apply the new ones.
    /// </summary>
    public TimeSpan RefreshInterval => settings.Ttl * 0.75;

    /// <summary>
    /// The TURN entry for one join. The id is random per join rather than the participant's name or identity, so the
    /// TURN server's logs learn nothing about who is in which meeting.
    /// </summary>
    public IceServerInfo Mint()
    {
        string id = "p" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        long expiry = time.GetUtcNow().Add(settings.Ttl).ToUnixTimeSeconds();
        var (username, password) = Compute(settings.Secret!, expiry, id);
        return new IceServerInfo { Urls = [.. settings.Urls], Username = username, Credential = password };
    }

    /// <summary>The REST-API username and password for <paramref name="id"/> valid until <paramref name="expiryUnixSeconds"/>.</summary>
    public static (string Username, string Password) Compute(string secret, long expiryUnixSeconds, string id)
    {
        string username = expiryUnixSeconds.ToString(CultureInfo.InvariantCulture) + ":" + id;
        // HMAC-SHA1 is what coturn computes for this scheme; as an HMAC it has no known practical weakness.
#pragma warning disable CA5350
        byte[] mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(username));
#pragma warning restore CA5350
        return (username, Convert.ToBase64String(mac));
    }
}
