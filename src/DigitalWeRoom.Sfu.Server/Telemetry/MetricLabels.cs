using System.Text;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>The fixed label values of every series, made once (no string building at record or scrape time).</summary>
internal static class MetricLabels
{
    public const string NodeId = "node_id";
    public const string Region = "region";
    public const string Mode = "mode";
    public const string Kind = "kind";
    public const string Direction = "direction";
    public const string TransmissionLabel = "transmission";
    public const string Reason = "reason";
    public const string From = "from";
    public const string To = "to";
    public const string Outcome = "outcome";

    public const string In = "in";
    public const string Out = "out";
    public const string Audio = "audio";
    public const string Video = "video";
    public const string Original = "original";
    public const string Retransmit = "retransmit";

    public static readonly string[] Modes = [ModeNames.PeerToPeer, ModeNames.Switching, ModeNames.Sfu];

    public static string KindName(TrafficKind kind) => kind == TrafficKind.Audio ? Audio : Video;

    public static string TransmissionName(Transmission t) => t == Transmission.Original ? Original : Retransmit;

    /// <summary>Snake-case reason names by <see cref="DropReason"/> value (e.g. <c>srtp_replay</c>), null for unused values.</summary>
    public static readonly string?[] DropReasons = BuildDropReasons();

    private static string?[] BuildDropReasons()
    {
        var names = new string?[byte.MaxValue + 1];
        foreach (var reason in Enum.GetValues<DropReason>())
        {
            if (reason != DropReason.None)
            {
                names[(byte)reason] = SnakeCase(reason.ToString());
            }
        }

        return names;
    }

    internal static string SnakeCase(string pascal)
    {
        var sb = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    sb.Append('_');
                }

                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
