using System.Globalization;

namespace DigitalWeRoom.Sfu.LoadTest.Stats;

/// <summary>
/// The probes' loss and latency split by room: in a join storm, room 0 is the meeting already running and room 1 the
/// storm's, so "nothing lost in rooms already running" is read with the running room's own latency during the storm,
/// not one mixed with the storm's newcomers.
/// </summary>
internal sealed class RoomBreakdown
{
    private readonly SortedDictionary<int, Room> _rooms = [];

    /// <summary>The totals of <paramref name="room"/>, made on first use.</summary>
    public Room For(int room)
    {
        if (!_rooms.TryGetValue(room, out var totals))
        {
            totals = new Room();
            _rooms[room] = totals;
        }
        return totals;
    }

    /// <summary>Rooms seen.</summary>
    public int Count => _rooms.Count;

    /// <summary>Room number → loss in % of the packets its probes expected.</summary>
    public Dictionary<string, double> LossPercent() =>
        _rooms.ToDictionary(x => Key(x.Key), x => x.Value.Expected == 0 ? 0 : 100.0 * x.Value.Lost / x.Value.Expected);

    /// <summary>Room number → its probes' latency p50, p99 in milliseconds (rooms whose probes measured none are left out).</summary>
    public Dictionary<string, double[]> LatencyMs() =>
        _rooms.Where(x => x.Value.Latency.Count > 0)
            .ToDictionary(x => Key(x.Key), x => new[] { x.Value.Latency.Percentile(50) / 1000.0, x.Value.Latency.Percentile(99) / 1000.0 });

    private static string Key(int room) => room.ToString(CultureInfo.InvariantCulture);

    /// <summary>One room's probes: packets expected and lost, and every latency sample they measured.</summary>
    internal sealed class Room
    {
        public long Expected;
        public long Lost;

        public LatencyHistogram Latency { get; } = new();
    }
}
