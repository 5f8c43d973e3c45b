namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// The few parts of a session description (RFC 8866 §5) the negotiator reads from an answer: the m= lines
/// and every attribute as name/value with its line number. <see cref="AnswerViewReader"/> fills it.
/// </summary>
internal sealed class AnswerView
{
    public List<SdpAttribute> SessionAttributes { get; } = [];

    public List<AnswerMediaView> Media { get; } = [];
}

/// <summary>One m= section: <c>m=&lt;media&gt; &lt;port&gt; &lt;proto&gt; &lt;fmt&gt; ...</c> (RFC 8866 §5.14) and its attributes.</summary>
internal sealed class AnswerMediaView(int lineNumber, string media, int port, string proto, List<string> formats)
{
    public int LineNumber { get; } = lineNumber;

    public string Media { get; } = media;

    public int Port { get; } = port;

    public string Proto { get; } = proto;

    public List<string> Formats { get; } = formats;

    public List<SdpAttribute> Attributes { get; } = [];

    public SdpAttribute? Find(string name)
    {
        foreach (var attribute in Attributes)
        {
            if (attribute.Name == name)
            {
                return attribute;
            }
        }
        return null;
    }

    public IEnumerable<SdpAttribute> FindAll(string name) => Attributes.Where(a => a.Name == name);
}

/// <summary>An <c>a=name[:value]</c> line (RFC 8866 §5.13); <see cref="Value"/> is null for a flag.</summary>
internal readonly record struct SdpAttribute(string Name, string? Value, int LineNumber);
