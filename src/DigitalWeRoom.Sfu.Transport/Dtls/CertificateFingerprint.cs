using System.Security.Cryptography;
using System.Text;

namespace DigitalWeRoom.Sfu.Transport.Dtls;

/// <summary>
/// A certificate fingerprint as carried by SDP <c>a=fingerprint</c> (RFC 8122 §5):
/// <c>sha-256 AB:CD:...</c>. Only SHA-256 is produced; SHA-256/384/512 are accepted from peers.
/// </summary>
public sealed record CertificateFingerprint(string Algorithm, byte[] Value)
{
    public static CertificateFingerprint Sha256Of(ReadOnlySpan<byte> certificateDer) =>
        new("sha-256", SHA256.HashData(certificateDer));

    /// <summary>From a parsed SDP <c>a=fingerprint</c> (hash names are case-insensitive, RFC 8122 §5).</summary>
    public static CertificateFingerprint FromSdp(DigitalWeRoom.Sfu.Protocols.Sdp.SdpFingerprint fingerprint) =>
        new(fingerprint.HashFunction.ToLowerInvariant(), fingerprint.Value);

    /// <summary>Parses "sha-256 AB:CD:..." (the attribute value after <c>a=fingerprint:</c>).</summary>
    public static bool TryParse(string? text, out CertificateFingerprint? fingerprint)
    {
        fingerprint = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        string[] parts = text.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2)
        {
            return false;
        }
        string algorithm = parts[0].ToLowerInvariant();
        int expected = algorithm switch { "sha-256" => 32, "sha-384" => 48, "sha-512" => 64, _ => 0 };
        string[] hex = parts[1].Split(':');
        if (expected == 0 || hex.Length != expected)
        {
            return false;
        }
        var value = new byte[expected];
        for (int i = 0; i < expected; i++)
        {
            if (hex[i].Length != 2 || !byte.TryParse(hex[i], System.Globalization.NumberStyles.HexNumber, null, out value[i]))
            {
                return false;
            }
        }
        fingerprint = new CertificateFingerprint(algorithm, value);
        return true;
    }

    /// <summary>True when <paramref name="certificateDer"/> hashes to this fingerprint (constant time).</summary>
    public bool Matches(ReadOnlySpan<byte> certificateDer)
    {
        byte[] hash = Algorithm switch
        {
            "sha-256" => SHA256.HashData(certificateDer),
            "sha-384" => SHA384.HashData(certificateDer),
            "sha-512" => SHA512.HashData(certificateDer),
            _ => [],
        };
        return hash.Length == Value.Length && CryptographicOperations.FixedTimeEquals(hash, Value);
    }

    /// <summary>The SDP attribute value, e.g. <c>sha-256 AB:CD:...</c>.</summary>
    public string ToSdpValue()
    {
        var sb = new StringBuilder(Algorithm.Length + 1 + Value.Length * 3);
        sb.Append(Algorithm).Append(' ');
        for (int i = 0; i < Value.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(':');
            }
            sb.Append(Value[i].ToString("X2"));
        }
        return sb.ToString();
    }

    public override string ToString() => ToSdpValue();

    public bool Equals(CertificateFingerprint? other) =>
        other is not null && Algorithm == other.Algorithm && Value.AsSpan().SequenceEqual(other.Value);

    public override int GetHashCode() => HashCode.Combine(Algorithm, Value.Length);
}
