using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Stats;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Stats;

/// <summary>
/// A join storm's report splits the probes' loss and latency by room: the running meeting (room 0) keeps its own
/// figures, not ones mixed with the storm's newcomers (room 1).
/// </summary>
public sealed class RoomBreakdownTests
{
    [Fact]
    public void Each_room_keeps_its_own_latency_and_loss()
    {
        var plan = ScenarioPlan.JoinStorm(6, 10, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        var rooms = new RoomBreakdown();
        // The running room's probes see 1..100 us and lose nothing; the storm's see 10..20 ms and lose 5 of 100.
        foreach (var p in plan.Participants)
        {
            var room = rooms.For(p.Room);
            var probe = new LatencyHistogram();
            for (int v = 1; v <= 100; v++) probe.Record(p.Room == 0 ? v : 10_000 + v * 100);
            room.Latency.Add(probe);
            room.Expected += 100;
            room.Lost += p.Room == 0 ? 0 : 5;
        }

        Assert.Equal(2, rooms.Count);
        var latency = rooms.LatencyMs();
        Assert.Equal([0.050, 0.099], latency["0"]);
        // Above 1 ms the histogram is exact within 1 %.
        Assert.InRange(latency["1"][0], 15.0, 15.0 * 1.01);
        Assert.InRange(latency["1"][1], 19.9, 19.9 * 1.01);
        var loss = rooms.LossPercent();
        Assert.Equal(0, loss["0"]);
        Assert.Equal(5, loss["1"], 6);
    }

    [Fact]
    public void A_room_whose_probes_measured_nothing_has_loss_but_no_latency()
    {
        var rooms = new RoomBreakdown();
        rooms.For(0).Latency.Record(1_000);
        rooms.For(1).Expected = 0;
        Assert.Equal(["0"], rooms.LatencyMs().Keys);
        Assert.Equal(0, rooms.LossPercent()["1"]);
    }
}
