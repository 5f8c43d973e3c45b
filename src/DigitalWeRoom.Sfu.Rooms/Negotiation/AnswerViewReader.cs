namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// Reads the line structure of an SDP answer (RFC 8866 §5: <c>&lt;type&gt;=&lt;value&gt;</c> lines, session
/// part, then m= sections) into an <see cref="AnswerView"/>. Total: never throws, reports the first problem
/// with its line number. It reads structure only; <see cref="SfuNegotiator"/> interprets the attributes.
/// NOTE: kept deliberately small until the shared SDP parser (Protocols/Sdp) is merged; then this file is
/// replaced by an adapter from its SessionDescription.
/// </summary>
internal static class AnswerViewReader
{
    public static bool TryRead(string sdp, int maxLength, out AnswerView view, out string error)
    {
        view = new AnswerView();
        error = "";
        if (sdp is null || sdp.Length == 0)
        {
            error = "answer is empty";
            return false;
        }
        if (sdp.Length > maxLength)
        {
            error = $"answer is {sdp.Length} characters; the limit is {maxLength}";
            return false;
        }

        int lineNumber = 0;
        int position = 0;
        AnswerMediaView? media = null;
        while (position < sdp.Length)
        {
            int end = sdp.IndexOf('\n', position);
            if (end < 0)
            {
                end = sdp.Length;
            }
            var line = sdp.AsSpan(position, end - position);
            position = end + 1;
            lineNumber++;
            if (line.Length > 0 && line[^1] == '\r')
            {
                line = line[..^1];
            }
            if (line.Length == 0)
            {
                if (position >= sdp.Length)
                {
                    break;
                }
                error = $"line {lineNumber}: empty line (RFC 8866 §5)";
                return false;
            }
            if (line.Length < 2 || line[1] != '=' || line[0] is < 'a' or > 'z')
            {
                error = $"line {lineNumber}: not a '<type>=<value>' line (RFC 8866 §5)";
                return false;
            }
            if (lineNumber == 1 && !line.SequenceEqual("v=0"))
            {
                error = "line 1: an SDP description must start with 'v=0' (RFC 8866 §5.1)";
                return false;
            }
            var value = line[2..];
            switch (line[0])
            {
                case 'm':
                    if (!TryReadMediaLine(value, lineNumber, out media, out error))
                    {
                        return false;
                    }
                    view.Media.Add(media);
                    break;
                case 'a':
                    if (!TryReadAttribute(value, lineNumber, out var attribute, out error))
                    {
                        return false;
                    }
                    (media?.Attributes ?? view.SessionAttributes).Add(attribute);
                    break;
                default:
                    break;
            }
        }
        return true;
    }

    private static bool TryReadMediaLine(ReadOnlySpan<char> value, int lineNumber, out AnswerMediaView media, out string error)
    {
        media = null!;
        error = "";
        var parts = value.ToString().Split(' ');
        if (parts.Length < 3)
        {
            error = $"line {lineNumber}: m= line needs '<media> <port> <proto> <fmt> ...' (RFC 8866 §5.14)";
            return false;
        }
        var portText = parts[1];
        int slash = portText.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            portText = portText[..slash];
        }
        if (!int.TryParse(portText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) ||
            port > 65535)
        {
            error = $"line {lineNumber}: m= line port '{Clip(parts[1])}' is not 0..65535";
            return false;
        }
        var formats = new List<string>(parts.Length - 3);
        for (int i = 3; i < parts.Length; i++)
        {
            if (parts[i].Length == 0)
            {
                error = $"line {lineNumber}: m= line has an empty field (double space)";
                return false;
            }
            formats.Add(parts[i]);
        }
        if (parts[0].Length == 0 || parts[2].Length == 0)
        {
            error = $"line {lineNumber}: m= line has an empty field (double space)";
            return false;
        }
        media = new AnswerMediaView(lineNumber, parts[0], port, parts[2], formats);
        return true;
    }

    private static bool TryReadAttribute(ReadOnlySpan<char> value, int lineNumber, out SdpAttribute attribute, out string error)
    {
        error = "";
        int colon = value.IndexOf(':');
        var name = colon < 0 ? value : value[..colon];
        if (name.Length == 0)
        {
            attribute = default;
            error = $"line {lineNumber}: attribute has no name (RFC 8866 §5.13)";
            return false;
        }
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.')
            {
                attribute = default;
                error = $"line {lineNumber}: attribute name '{Clip(name.ToString())}' is not a token (RFC 8866 §9)";
                return false;
            }
        }
        attribute = new SdpAttribute(name.ToString(), colon < 0 ? null : value[(colon + 1)..].ToString(), lineNumber);
        return true;
    }

    /// <summary>Shortens a value quoted in an error message so errors stay readable and bounded.</summary>
    internal static string Clip(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
