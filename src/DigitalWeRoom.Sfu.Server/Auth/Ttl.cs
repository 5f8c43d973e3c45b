using System.Globalization;

namespace DigitalWeRoom.Sfu.Server.Auth;

/// <summary>Parses token lifetimes: "90s", "30m", "1h", "2d", or a TimeSpan such as "01:30:00".</summary>
public static class Ttl
{
    public static bool TryParse(string? text, out TimeSpan ttl)
    {
        ttl = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        char unit = text[^1];
        if (char.IsAsciiLetter(unit) && int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
        {
            switch (char.ToLowerInvariant(unit))
            {
                case 's':
                    ttl = TimeSpan.FromSeconds(n);
                    return true;
                case 'm':
                    ttl = TimeSpan.FromMinutes(n);
                    return true;
                case 'h':
                    ttl = TimeSpan.FromHours(n);
                    return true;
                case 'd':
                    ttl = TimeSpan.FromDays(n);
                    return true;
                default:
                    return false;
            }
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out ttl);
    }
}
