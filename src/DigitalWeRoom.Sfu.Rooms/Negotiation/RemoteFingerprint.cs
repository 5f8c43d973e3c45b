using System.Globalization;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// A certificate fingerprint from <c>a=fingerprint:hash-func XX:XX:...</c> (RFC 8122 §5): the hash
/// function name in lower case and the digest bytes.
/// </summary>
internal sealed record RemoteFingerprint(string Algorithm, byte[] Value)
{
    /// <summary>Parses <c>sha-256 AB:CD:...</c>. Total: returns false on anything malformed.</summary>
    public static bool TryParse(string? text, out RemoteFingerprint fingerprint)
    {
        fingerprint = null!;
        if (text is null)
        {
            return false;
        }
        int space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || space == text.Length - 1)
        {
            return false;
        }
        var algorithm = text[..space].ToLowerInvariant();
        int expected = algorithm switch
        {
            "sha-1" => 20,
            "sha-224" => 28,
            "sha-256" => 32,
            "sha-384" => 48,
            "sha-512" => 64,
            _ => -1,
        };
        var hex = text.AsSpan(space + 1).Trim();
        if (expected < 0 || hex.Length != (expected * 3) - 1)
        {
            return false;
        }
        var bytes = new byte[expected];
        for (int i = 0; i < expected; i++)
        {
            if ((i > 0 && hex[(i * 3) - 1] != ':') ||
                !byte.TryParse(hex.Slice(i * 3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bytes[i]))
            {
                return false;
            }
        }
        fingerprint = new RemoteFingerprint(algorithm, bytes);
        return true;
    }

    public override string ToString() => $"{Algorithm} {Convert.ToHexString(Value)}";
}
