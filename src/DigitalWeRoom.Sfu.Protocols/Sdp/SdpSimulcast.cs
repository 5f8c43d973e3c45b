using System.Text;

namespace DigitalWeRoom.Sfu.Protocols.Sdp;

/// <summary>One RID in a simulcast list; <see cref="Paused"/> is the <c>~</c> prefix (RFC 8853 §5.1).</summary>
public sealed record SdpSimulcastId(string Rid, bool Paused);

/// <summary>
/// <c>a=simulcast</c> (RFC 8853 §5.1): a send and/or a receive list. Each list is a sequence of
/// streams separated by ";", and each stream is a set of alternative RIDs separated by ",".
/// <c>a=simulcast:send q;h;f</c> means three streams, one RID each.
/// </summary>
public sealed record SdpSimulcast(IReadOnlyList<IReadOnlyList<SdpSimulcastId>> Send, IReadOnlyList<IReadOnlyList<SdpSimulcastId>> Recv)
{
    /// <summary>Parses "send a;b recv c" (either order, each at most once). Never throws.</summary>
    public static bool TryParse(string value, out SdpSimulcast? simulcast)
    {
        simulcast = null;
        string[] parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is not (2 or 4))
        {
            return false;
        }
        IReadOnlyList<IReadOnlyList<SdpSimulcastId>>? send = null, recv = null;
        for (int i = 0; i < parts.Length; i += 2)
        {
            if (!TryParseList(parts[i + 1], out IReadOnlyList<IReadOnlyList<SdpSimulcastId>>? list))
            {
                return false;
            }
            switch (parts[i])
            {
                case "send" when send is null:
                    send = list;
                    break;
                case "recv" when recv is null:
                    recv = list;
                    break;
                default:
                    return false;
            }
        }
        simulcast = new SdpSimulcast(send ?? [], recv ?? []);
        return true;
    }

    /// <summary>RIDs of the first alternative of every send stream, in order (the usual layer list).</summary>
    public IEnumerable<string> SendRids => Send.Select(stream => stream[0].Rid);

    public string FormatValue()
    {
        var text = new StringBuilder();
        if (Send.Count > 0)
        {
            AppendList(text.Append("send "), Send);
        }
        if (Recv.Count > 0)
        {
            AppendList(text.Append(text.Length > 0 ? " recv " : "recv "), Recv);
        }
        return text.ToString();
    }

    private static bool TryParseList(string text, out IReadOnlyList<IReadOnlyList<SdpSimulcastId>>? list)
    {
        list = null;
        var streams = new List<IReadOnlyList<SdpSimulcastId>>();
        foreach (string stream in text.Split(';'))
        {
            var alternatives = new List<SdpSimulcastId>();
            foreach (string id in stream.Split(','))
            {
                bool paused = id.StartsWith('~');
                string rid = paused ? id[1..] : id;
                if (!SdpRidSyntax.IsValidId(rid))
                {
                    return false;
                }
                alternatives.Add(new SdpSimulcastId(rid, paused));
            }
            streams.Add(alternatives);
        }
        list = streams;
        return true;
    }

    private static void AppendList(StringBuilder text, IReadOnlyList<IReadOnlyList<SdpSimulcastId>> list)
    {
        for (int s = 0; s < list.Count; s++)
        {
            if (s > 0)
            {
                text.Append(';');
            }
            for (int a = 0; a < list[s].Count; a++)
            {
                if (a > 0)
                {
                    text.Append(',');
                }
                text.Append(list[s][a].Paused ? "~" : "").Append(list[s][a].Rid);
            }
        }
    }
}

/// <summary>RID syntax (RFC 8851 §10): <c>rid-id = 1*(alpha-numeric / "-" / "_")</c>.</summary>
internal static class SdpRidSyntax
{
    public static bool IsValidId(ReadOnlySpan<char> id)
    {
        if (id.IsEmpty || id.Length > 255)
        {
            return false;
        }
        foreach (char c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }
        return true;
    }
}
