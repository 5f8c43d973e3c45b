namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// Checks on strings that end up inside SDP lines we write, so that no value from configuration or from
/// another participant can break a line or inject an attribute.
/// </summary>
internal static class SdpToken
{
    /// <summary>A non-empty run of visible ASCII without spaces (RFC 8866 §9 token-ish, stricter).</summary>
    public static bool IsToken(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 256)
        {
            return false;
        }
        foreach (char c in value)
        {
            if (c is <= ' ' or > '~')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Printable ASCII with single spaces allowed (for fmtp and rtcp-fb values).</summary>
    public static bool IsLineSafe(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 1024)
        {
            return false;
        }
        foreach (char c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>An msid-id: 1*64 token-char (RFC 8830 §2), restricted here to letters, digits and -_.{}.</summary>
    public static bool IsMsidId(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 64)
        {
            return false;
        }
        foreach (char c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '{' or '}'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A rid-id: alphanumeric, at most 16 characters as RFC 8852 §3.3 recommends for the header.</summary>
    public static bool IsRid(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 16)
        {
            return false;
        }
        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>An ice-char run (ALPHA / DIGIT / "+" / "/", RFC 8839 §5.4) of the given length bounds.</summary>
    public static bool IsIceChars(string? value, int min, int max)
    {
        if (value is null || value.Length < min || value.Length > max)
        {
            return false;
        }
        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '+' and not '/')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A value quoted in an error message, cut to 40 characters.</summary>
    public static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
