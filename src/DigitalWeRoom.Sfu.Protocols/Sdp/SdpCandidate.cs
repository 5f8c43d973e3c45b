using System.Text;

namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary>
/// <c>a=candidate</c> (RFC 8839 §5.1):
/// <c>candidate:foundation component transport priority address port typ type [raddr a] [rport p] *(name value)</c>.
/// The same text (without "a=") travels in trickle ICE signaling, so parsing and formatting live here.
/// </summary>
public sealed record SdpCandidate
{
    public required string Foundation { get; init; }
    public required int Component { get; init; }
    public required string Transport { get; init; }
    public required uint Priority { get; init; }

    /// <summary>An IP address or an mDNS name (<c>uuid.local</c>).</summary>
    public required string Address { get; init; }
    public required int Port { get; init; }

    /// <summary>host, srflx, prflx or relay.</summary>
    public required string Type { get; init; }
    public string? RelatedAddress { get; init; }
    public int? RelatedPort { get; init; }

    /// <summary>active, passive or so for TCP candidates (RFC 6544 §4.5).</summary>
    public string? TcpType { get; init; }
    public int? Generation { get; init; }

    /// <summary>Other extension pairs in order (ufrag, network-id, network-cost, ...).</summary>
    public IReadOnlyList<SdpParameter> Extensions { get; init; } = [];

    /// <summary>Parses the attribute value, with or without the leading <c>candidate:</c>. Never throws.</summary>
    public static bool TryParse(string text, out SdpCandidate? candidate, out string? error)
    {
        candidate = null;
        string value = text.StartsWith("candidate:", StringComparison.OrdinalIgnoreCase) ? text["candidate:".Length..] : text;
        string[] parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 8 || (parts.Length & 1) != 0)
        {
            error = "candidate needs foundation, component, transport, priority, address, port, typ and type";
            return false;
        }
        if (!SdpNumbers.TryParseInt(parts[1], out int component) || component < 1 || component > 256)
        {
            error = "candidate component is not a number in 1..256";
            return false;
        }
        if (!SdpNumbers.TryParseUInt(parts[3], out uint priority))
        {
            error = "candidate priority is not a 32-bit number";
            return false;
        }
        if (!SdpNumbers.TryParsePort(parts[5], out int port))
        {
            error = "candidate port is not a port number";
            return false;
        }
        if (parts[6] != "typ")
        {
            error = "candidate lacks 'typ'";
            return false;
        }

        string? relatedAddress = null, tcpType = null;
        int? relatedPort = null, generation = null;
        var extensions = new List<SdpParameter>();
        for (int i = 8; i < parts.Length; i += 2)
        {
            string name = parts[i], item = parts[i + 1];
            switch (name)
            {
                case "raddr" when relatedAddress is null:
                    relatedAddress = item;
                    break;
                case "rport" when relatedPort is null:
                    if (!SdpNumbers.TryParsePort(item, out int rport))
                    {
                        error = "candidate rport is not a port number";
                        return false;
                    }
                    relatedPort = rport;
                    break;
                case "tcptype" when tcpType is null:
                    tcpType = item;
                    break;
                case "generation" when generation is null && SdpNumbers.TryParseInt(item, out int g):
                    generation = g;
                    break;
                default:
                    extensions.Add(new SdpParameter(name, item));
                    break;
            }
        }

        candidate = new SdpCandidate
        {
            Foundation = parts[0],
            Component = component,
            Transport = parts[2],
            Priority = priority,
            Address = parts[4],
            Port = port,
            Type = parts[7],
            RelatedAddress = relatedAddress,
            RelatedPort = relatedPort,
            TcpType = tcpType,
            Generation = generation,
            Extensions = extensions,
        };
        error = null;
        return true;
    }

    /// <summary>The attribute value without the leading "candidate:".</summary>
    public string FormatValue()
    {
        var text = new StringBuilder(96)
            .Append(Foundation).Append(' ').Append(SdpNumbers.Format(Component)).Append(' ').Append(Transport)
            .Append(' ').Append(SdpNumbers.Format(Priority)).Append(' ').Append(Address).Append(' ')
            .Append(SdpNumbers.Format(Port)).Append(" typ ").Append(Type);
        if (RelatedAddress is not null)
        {
            text.Append(" raddr ").Append(RelatedAddress);
        }
        if (RelatedPort is int rport)
        {
            text.Append(" rport ").Append(SdpNumbers.Format(rport));
        }
        if (TcpType is not null)
        {
            text.Append(" tcptype ").Append(TcpType);
        }
        if (Generation is int generation)
        {
            text.Append(" generation ").Append(SdpNumbers.Format(generation));
        }
        foreach (SdpParameter extension in Extensions)
        {
            text.Append(' ').Append(extension.Name).Append(' ').Append(extension.Value);
        }
        return text.ToString();
    }

    /// <summary>As it appears in trickle signaling: "candidate:...".</summary>
    public override string ToString() => "candidate:" + FormatValue();
}
