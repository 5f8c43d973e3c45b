namespace DigitalWeRoom.Sfu.Server.Cluster;

/// <summary>A node that could take a new room, with its load: <paramref name="ClaimedRooms"/> is counted in Redis at placement time.</summary>
internal readonly record struct NodeCandidate(NodeEntry Entry, long ClaimedRooms);

/// <summary>
/// Where a new room goes (after LiveKit's load-aware selection): only serving nodes below their limits
/// (rooms, participants); nodes of the preferred region first; nodes under the CPU limit before those over it;
/// then the least loaded, load being participants or claimed rooms, whichever is larger (a room just placed has no
/// participants in the 2 s old entry yet, so counting claims keeps a burst of new rooms spread); ties by CPU, then id.
/// </summary>
internal static class NodeSelector
{
    public static NodeEntry? Pick(IEnumerable<NodeCandidate> candidates, string? preferredRegion, double cpuLimit)
    {
        NodeCandidate? best = null;
        foreach (var c in candidates)
        {
            var e = c.Entry;
            long rooms = Math.Max(e.Rooms, c.ClaimedRooms);
            if (!e.IsServing || (e.MaxRooms > 0 && rooms >= e.MaxRooms) || (e.MaxParticipants > 0 && e.Participants >= e.MaxParticipants))
            {
                continue;
            }

            if (best is null || Better(c, best.Value, preferredRegion, cpuLimit))
            {
                best = c;
            }
        }

        return best?.Entry;
    }

    private static bool Better(NodeCandidate a, NodeCandidate b, string? region, double cpuLimit)
    {
        bool aRegion = region is not null && a.Entry.Region == region, bRegion = region is not null && b.Entry.Region == region;
        if (aRegion != bRegion)
        {
            return aRegion;
        }

        bool aCool = a.Entry.Cpu < cpuLimit, bCool = b.Entry.Cpu < cpuLimit;
        if (aCool != bCool)
        {
            return aCool;
        }

        long aLoad = Load(a), bLoad = Load(b);
        if (aLoad != bLoad)
        {
            return aLoad < bLoad;
        }

        if (Math.Abs(a.Entry.Cpu - b.Entry.Cpu) > 0.05)
        {
            return a.Entry.Cpu < b.Entry.Cpu;
        }

        return string.CompareOrdinal(a.Entry.Id, b.Entry.Id) < 0;
    }

    private static long Load(NodeCandidate c) => Math.Max(c.Entry.Participants, Math.Max(c.Entry.Rooms, c.ClaimedRooms));
}
