using System.Net;
using System.Security.Cryptography;
using System.Text;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>
/// Who may use operator endpoints: <c>Authorization: Bearer</c> with an API secret, the <c>Sfu:AdminKey</c>, or a
/// room token carrying <c>serverAdmin</c>. With neither keys nor an admin key configured, loopback callers only.
/// </summary>
public sealed class AdminAuthorization(RoomTokenService tokens, IOptions<SfuOptions> sfu)
{
    public bool IsAdmin(HttpContext context, out string error)
    {
        string? adminKey = sfu.Value.AdminKey;
        if (!tokens.Enabled && string.IsNullOrEmpty(adminKey))
        {
            bool loopback = context.Connection.RemoteIpAddress is { } remote && IPAddress.IsLoopback(remote);
            error = loopback ? "" : "no keys are configured: the operator API answers localhost only";
            return loopback;
        }

        string header = context.Request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) || header.Length == Prefix.Length)
        {
            error = "send Authorization: Bearer <API secret, admin key or serverAdmin token>";
            return false;
        }

        string credential = header[Prefix.Length..].Trim();
        if (tokens.IsApiSecret(credential)
            || (!string.IsNullOrEmpty(adminKey) && CryptographicOperations.FixedTimeEquals(
                SHA256.HashData(Encoding.UTF8.GetBytes(credential)), SHA256.HashData(Encoding.UTF8.GetBytes(adminKey)))))
        {
            error = "";
            return true;
        }

        if (tokens.Enabled && credential.Count(c => c == '.') == 2)
        {
            RoomTokenResult result = tokens.ValidateServerAdmin(credential);
            error = result.Error;
            return result.IsValid;
        }

        error = "the credential is not an API secret, the admin key or a serverAdmin token";
        return false;
    }
}
