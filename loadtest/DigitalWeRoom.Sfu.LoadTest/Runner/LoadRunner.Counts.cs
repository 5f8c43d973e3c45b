using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;

namespace DigitalWeRoom.Sfu.LoadTest.Runner;

/// <summary>The counts a run reads besides its probes: errors after joining, the server's drops, kernel socket drops, the load average.</summary>
internal sealed partial class LoadRunner
{
    /// <summary>
    /// Errors that reached participants after they connected (e.g. a server <c>error</c> message), which the join's
    /// own error list does not see, grouped by message: "N participants (p1, p2, ...): reason".
    /// </summary>
    private static IEnumerable<string> ErrorsAfterJoin(SyntheticParticipant[] participants) =>
        participants.Where(p => p.Joined && p.Error is not null).GroupBy(p => p.Error!)
            .Select(g => $"{g.Count()} connected participant(s) ({string.Join(", ", g.Take(8).Select(p => p.Plan.Name))}{(g.Count() > 8 ? ", ..." : "")}): {g.Key}");

    /// <summary>The target's drops plus what the server process dropped during the run, keyed "server:reason".</summary>
    internal static IReadOnlyDictionary<string, long> WithServerProcessDrops(IReadOnlyDictionary<string, long> target,
        IReadOnlyDictionary<string, long> atStart, IReadOnlyDictionary<string, long> atEnd)
    {
        var result = new Dictionary<string, long>(target);
        foreach (var (reason, end) in atEnd)
        {
            long during = end - atStart.GetValueOrDefault(reason);
            if (during > 0) result["server:" + reason] = during;
        }
        return result;
    }

    /// <summary>Kernel drops on these participants' media sockets (whole run; /proc/net/udp, -1 where unreadable).</summary>
    private static long SocketDrops(IEnumerable<SyntheticParticipant> who)
    {
        var drops = ProcessSampler.UdpSocketDropsByPort();
        if (drops is null) return -1;
        return who.Where(p => p.LocalPort > 0).Sum(p => drops.GetValueOrDefault(p.LocalPort));
    }

    private static double ReadLoadAverage()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    /// <summary>Notes a stream <paramref name="probe"/> got nothing of (the first <see cref="RunResult.MissingListed"/>); returns 1.</summary>
    private static int Missing(List<string> list, SyntheticParticipant probe, SyntheticParticipant publisher, StreamKind kind)
    {
        if (list.Count < RunResult.MissingListed)
        {
            list.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"p{probe.Plan.Index} <- p{publisher.Plan.Index} {(kind == StreamKind.Audio ? "audio" : "video")}"));
        }
        return 1;
    }
}
