// Partial part: the line grammar (v=, o=, s=, t=, c=, b=, m=); a static parser, no fields shared with the other part.
namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary>
/// Parses a session description (RFC 8866 §5 syntax, as used by JSEP RFC 8829) into a
/// <see cref="SessionDescription"/>. Total: any input gives either a description or an error that
/// names the line and the reason; nothing throws. Lines end in CRLF or LF. Input is bounded
/// (<see cref="MaxLength"/>, <see cref="MaxLines"/>, <see cref="MaxMediaSections"/>) because it
/// comes from untrusted signaling. Attribute values are parsed in SdpParser.Attributes.cs.
/// </summary>
public static partial class SdpParser
{
    // Sized for MaxMediaSections: a bundled m= section the server offers (or a browser answers) is about 1 KiB and
    // 20-40 lines, so a 60-participant meeting (2 + 59 x 2 sections) is about 120 KiB; 64 KiB refused the server's
    // own offers from 33 participants on. The signaling message limit (Sfu:Limits:MaxMessageBytes) still gates input.
    public const int MaxLength = 384 * 1024;
    public const int MaxLines = 16384;
    public const int MaxMediaSections = 256;

    public static bool TryParse(string? text, out SessionDescription sdp, out SdpParseError error)
    {
        sdp = new SessionDescription();
        if (string.IsNullOrEmpty(text))
        {
            return Fail(0, "empty description", out error);
        }
        if (text.Length > MaxLength)
        {
            error = new SdpParseError(0, $"description longer than {MaxLength} characters", DropReason.TooLarge);
            return false;
        }

        var state = new State(sdp);
        int lineNumber = 0;
        int start = 0;
        while (start < text.Length)
        {
            int end = text.IndexOf('\n', start);
            int next = end < 0 ? text.Length : end + 1;
            if (end < 0)
            {
                end = text.Length;
            }
            if (end > start && text[end - 1] == '\r')
            {
                end--;
            }
            lineNumber++;
            if (end == start && text.AsSpan(start).TrimStart("\r\n").IsEmpty)
            {
                break; // Extra blank lines at the very end are tolerated.
            }
            if (lineNumber > MaxLines)
            {
                error = new SdpParseError(lineNumber, $"more than {MaxLines} lines", DropReason.TooLarge);
                return false;
            }
            string? reason = ParseLine(state, lineNumber, text.AsSpan(start, end - start));
            if (reason is not null)
            {
                error = new SdpParseError(lineNumber, reason, reason.StartsWith("more than", StringComparison.Ordinal) ? DropReason.TooLarge : DropReason.SdpMalformed);
                return false;
            }
            start = next;
        }

        string? missing = state.MissingSessionLine();
        if (missing is not null)
        {
            return Fail(lineNumber, missing, out error);
        }
        error = default;
        return true;
    }

    private static bool Fail(int line, string reason, out SdpParseError error)
    {
        error = new SdpParseError(line, reason, DropReason.SdpMalformed);
        return false;
    }

    private static string? ParseLine(State state, int lineNumber, ReadOnlySpan<char> line)
    {
        if (line.IsEmpty)
        {
            return "empty line";
        }
        if (line.Length < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z')
        {
            return "expected <letter>=<value>";
        }
        if (line.IndexOfAny('\0', '\r') >= 0)
        {
            return "NUL or CR inside a line";
        }
        char type = line[0];
        string value = line[2..].ToString();
        if (lineNumber == 1)
        {
            return type == 'v' && value == "0" ? null : "the first line must be v=0";
        }

        if (type == 'm')
        {
            return ParseMediaLine(state, value);
        }
        if (state.Media is MediaDescription media)
        {
            return type switch
            {
                'a' => ParseMediaAttribute(media, value),
                'c' => ParseConnection(value, out SdpConnection? c) ?? (media.Connection is null ? Set(() => media.Connection = c) : "duplicate c="),
                'b' => ParseBandwidth(value, media.Bandwidths),
                'i' or 'k' => Add(media.OtherLines, new SdpLine(type, value)),
                _ => $"{type}= is not allowed in a media section",
            };
        }

        SessionDescription sdp = state.Session;
        switch (type)
        {
            case 'v':
                return "duplicate v=";
            case 'o':
                if (state.HasOrigin)
                {
                    return "duplicate o=";
                }
                state.HasOrigin = true;
                return ParseOrigin(sdp, value);
            case 's':
                if (state.HasName)
                {
                    return "duplicate s=";
                }
                state.HasName = true;
                sdp.SessionName = value;
                return value.Length == 0 ? "s= must not be empty" : null;
            case 't':
                if (state.HasTiming)
                {
                    return Add(sdp.OtherLines, new SdpLine(type, value));
                }
                state.HasTiming = true;
                return ParseTiming(sdp, value);
            case 'c':
                return ParseConnection(value, out SdpConnection? connection) ?? (sdp.Connection is null ? Set(() => sdp.Connection = connection) : "duplicate c=");
            case 'b':
                return ParseBandwidth(value, sdp.Bandwidths);
            case 'a':
                return ParseSessionAttribute(sdp, value);
            case 'i' or 'u' or 'e' or 'p' or 'z' or 'k' or 'r':
                return Add(sdp.OtherLines, new SdpLine(type, value));
            default:
                return $"unknown line type {type}=";
        }
    }

    /// <summary><c>m=&lt;media&gt; &lt;port&gt;[/&lt;number&gt;] &lt;proto&gt; &lt;fmt&gt; ...</c> (RFC 8866 §5.14).</summary>
    private static string? ParseMediaLine(State state, string value)
    {
        string? missing = state.MissingSessionLine();
        if (missing is not null)
        {
            return missing + " before the first m=";
        }
        if (state.Session.Media.Count >= MaxMediaSections)
        {
            return $"more than {MaxMediaSections} media sections";
        }
        string[] parts = value.Split(' ');
        if (parts.Length < 4 || Array.IndexOf(parts, "") >= 0)
        {
            return "m= needs media, port, protocol and at least one format, separated by single spaces";
        }
        var media = new MediaDescription { Kind = parts[0], Protocol = parts[2] };
        string port = parts[1];
        int slash = port.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            if (!SdpNumbers.TryParseInt(port.AsSpan(slash + 1), out int count) || count < 1)
            {
                return "m= port count is not a positive number";
            }
            media.PortCount = count;
            port = port[..slash];
        }
        if (!SdpNumbers.TryParsePort(port, out int portNumber))
        {
            return "m= port is not a number in 0..65535";
        }
        if (!IsToken(parts[0]) || parts[2].Split('/').Any(p => !IsToken(p)))
        {
            return "m= media or protocol is not a token";
        }
        media.Port = portNumber;
        for (int i = 3; i < parts.Length; i++)
        {
            if (!IsToken(parts[i]))
            {
                return "m= format is not a token";
            }
            media.Formats.Add(parts[i]);
        }
        state.Session.Media.Add(media);
        state.Media = media;
        return null;
    }

    /// <summary><c>o=&lt;username&gt; &lt;sess-id&gt; &lt;sess-version&gt; &lt;nettype&gt; &lt;addrtype&gt; &lt;address&gt;</c> (RFC 8866 §5.2).</summary>
    private static string? ParseOrigin(SessionDescription sdp, string value)
    {
        string[] parts = value.Split(' ');
        if (parts.Length != 6 || Array.IndexOf(parts, "") >= 0)
        {
            return "o= needs six fields separated by single spaces";
        }
        if (!SdpNumbers.TryParseULong(parts[1], out _) || !SdpNumbers.TryParseULong(parts[2], out _))
        {
            return "o= session id and version must be numbers";
        }
        sdp.Origin = new SdpOrigin(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
        return null;
    }

    /// <summary><c>t=&lt;start-time&gt; &lt;stop-time&gt;</c> (RFC 8866 §5.9).</summary>
    private static string? ParseTiming(SessionDescription sdp, string value)
    {
        int space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !SdpNumbers.TryParseULong(value.AsSpan(0, space), out ulong start)
            || !SdpNumbers.TryParseULong(value.AsSpan(space + 1), out ulong stop))
        {
            return "t= needs two numbers";
        }
        sdp.Timing = new SdpTiming(start, stop);
        return null;
    }

    /// <summary><c>c=&lt;nettype&gt; &lt;addrtype&gt; &lt;connection-address&gt;</c> (RFC 8866 §5.7).</summary>
    private static string? ParseConnection(string value, out SdpConnection? connection)
    {
        connection = null;
        string[] parts = value.Split(' ');
        if (parts.Length != 3 || Array.IndexOf(parts, "") >= 0)
        {
            return "c= needs network type, address type and address";
        }
        connection = new SdpConnection(parts[0], parts[1], parts[2]);
        return null;
    }

    /// <summary><c>b=&lt;bwtype&gt;:&lt;bandwidth&gt;</c> (RFC 8866 §5.8).</summary>
    private static string? ParseBandwidth(string value, List<SdpBandwidth> list)
    {
        int colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !IsToken(value.AsSpan(0, colon)) || !SdpNumbers.TryParseULong(value.AsSpan(colon + 1), out ulong bandwidth))
        {
            return "b= needs <type>:<number>";
        }
        list.Add(new SdpBandwidth(value[..colon], bandwidth));
        return null;
    }

    private static string? Add<T>(List<T> list, T item)
    {
        list.Add(item);
        return null;
    }

    private static string? Set(Action assign)
    {
        assign();
        return null;
    }

    /// <summary>RFC 8866 §9 <c>token-char</c>: visible ASCII except a few separators.</summary>
    internal static bool IsToken(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return false;
        }
        foreach (char c in text)
        {
            if (c < 0x21 || c > 0x7E || c is '"' or '(' or ')' or ',' or '/' or ':' or ';' or '<' or '=' or '>' or '?' or '@' or '[' or '\\' or ']')
            {
                return false;
            }
        }
        return true;
    }

    private sealed class State(SessionDescription session)
    {
        public SessionDescription Session { get; } = session;
        public MediaDescription? Media { get; set; }
        public bool HasOrigin { get; set; }
        public bool HasName { get; set; }
        public bool HasTiming { get; set; }

        public string? MissingSessionLine() =>
            !HasOrigin ? "missing o=" : !HasName ? "missing s=" : !HasTiming ? "missing t=" : null;
    }
}
