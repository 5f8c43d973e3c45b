using System.Security.Cryptography;
using System.Text;

namespace DigitalWeRoom.Sfu.Transport.Ice;

/// <summary>
/// ICE username fragment and password (RFC 8445 §5.3, RFC 8839 §5.4): ufrag at least 24 random bits
/// and 4 ice-chars, password at least 128 random bits and 22 ice-chars. We use 8 and 24 characters
/// of the ice-char alphabet (ALPHA / DIGIT / "+" / "/"), 6 bits each: 48 and 144 bits.
/// </summary>
public sealed class IceCredentials
{
    private const string IceChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public IceCredentials(string ufrag, string password)
    {
        if (!IsIceString(ufrag, 4, 256) || !IsIceString(password, 22, 256))
        {
            ThrowHelper.ThrowArgument("ufrag must be 4-256 and password 22-256 ice-chars.", nameof(ufrag));
        }
        Ufrag = ufrag;
        Password = password;
        PasswordBytes = Encoding.ASCII.GetBytes(password);
    }

    public string Ufrag { get; }

    public string Password { get; }

    /// <summary>The MESSAGE-INTEGRITY key: the password's bytes (RFC 8445 §7.2.2, short-term credentials).</summary>
    public byte[] PasswordBytes { get; }

    public static IceCredentials Generate() => new(RandomIceString(8), RandomIceString(24));

    public static bool IsIceString(string? value, int min, int max)
    {
        if (value is null || value.Length < min || value.Length > max)
        {
            return false;
        }
        foreach (char c in value)
        {
            if (!IceChars.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }
        return true;
    }

    private static string RandomIceString(int length)
    {
        Span<byte> random = stackalloc byte[length];
        RandomNumberGenerator.Fill(random);
        return string.Create(length, random.ToArray(), static (chars, bytes) =>
        {
            for (int i = 0; i < chars.Length; i++)
            {
                chars[i] = IceChars[bytes[i] & 63];
            }
        });
    }
}
