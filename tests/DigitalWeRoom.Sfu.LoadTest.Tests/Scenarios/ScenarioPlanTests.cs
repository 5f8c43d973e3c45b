using DigitalWeRoom.Sfu.LoadTest.Scenarios;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Scenarios;

public class ScenarioPlanTests
{
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);

    [Fact]
    public void Meeting_EveryonePublishesAndSubscribesToAllOthers()
    {
        var plan = ScenarioPlan.Meeting(6, TenSeconds);
        Assert.Equal(6, plan.Participants.Count);
        Assert.Equal(6, plan.PublisherCount);
        Assert.All(plan.Participants, p => Assert.True(p.Publishes && p.Subscribes && p.Room == 0));
        Assert.All(plan.Participants, p => Assert.Equal(5, plan.PublishersFor(p).Count()));
        Assert.Equal(30, plan.SteadyStateFanout);
        Assert.Equal(Enumerable.Range(0, 6), plan.Participants.Select(p => p.PublisherIndex));
    }

    [Fact]
    public void Broadcast_PublishersDoNotSubscribe_SubscribersDoNotPublish()
    {
        var plan = ScenarioPlan.Broadcast(2, 100, TenSeconds, TimeSpan.FromMilliseconds(10));
        Assert.Equal(102, plan.Participants.Count);
        Assert.Equal(2, plan.PublisherCount);
        Assert.Equal(200, plan.SteadyStateFanout);
        Assert.Equal(TimeSpan.FromMilliseconds(1010), plan.Participants[^1].JoinAt);
        Assert.DoesNotContain(plan.PublishersFor(plan.Participants[0]), p => !p.Publishes);
        Assert.All(plan.Participants.Skip(2), p => Assert.False(p.Publishes));
    }

    [Fact]
    public void Rooms_AreIsolated()
    {
        var plan = ScenarioPlan.Rooms(4, 3, TenSeconds);
        Assert.Equal(12, plan.Participants.Count);
        Assert.Equal(4, plan.RoomCount);
        foreach (var p in plan.Participants)
        {
            var pubs = plan.PublishersFor(p).ToList();
            Assert.Equal(2, pubs.Count);
            Assert.All(pubs, q => Assert.Equal(p.Room, q.Room));
        }
    }

    [Fact]
    public void Churn_KeepsSeatsBusy_IsBounded_AndCrossesTheP2pThreshold()
    {
        var plan = ScenarioPlan.Churn(4, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10));
        Assert.True(plan.Participants.Count > 4);
        Assert.True(plan.Participants.Count <= 4 * 5);
        Assert.Equal(plan.Participants.OrderBy(p => p.JoinAt).Select(p => p.Index), plan.Participants.Select(p => p.Index));
        Assert.All(plan.Participants, p => Assert.True(p.LeaveAt is null || p.LeaveAt <= plan.Duration));
        // Room size over time: between 1 and 4, and at some moment 2 or fewer (P2P) and at some 3 or more (SFU).
        var sizes = Enumerable.Range(0, 100).Select(i => plan.Participants.Count(p => p.PresentAt(TimeSpan.FromMilliseconds(i * 100)))).ToList();
        Assert.All(sizes, n => Assert.InRange(n, 1, 4));
        Assert.Contains(sizes, n => n <= 2);
        Assert.Contains(sizes, n => n >= 3);
        // Someone who left before another joined is not expected to receive it.
        var first = plan.Participants[0];
        var late = plan.Participants.First(p => p.JoinAt >= first.LeaveAt);
        Assert.DoesNotContain(late, plan.PublishersFor(first));
        var bounded = ScenarioPlan.Churn(4, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10), maxParticipants: 50);
        Assert.Equal(50, bounded.Participants.Count);
    }

    [Fact]
    public void WithProbes_FirstSubscribersMeasure_EveryOtherSubscriberIsASink_PublishOnlyNever()
    {
        var plan = ScenarioPlan.Broadcast(2, 30, TenSeconds).WithProbes(20);
        Assert.Equal(20, plan.ProbeCount);
        Assert.Equal(10, plan.SinkCount);
        Assert.All(plan.Participants.Take(2), p => Assert.False(p.Sink || p.Probe));
        Assert.All(plan.Participants.Skip(2).Take(20), p => Assert.True(p.Probe));
        Assert.All(plan.Participants.Skip(22), p => Assert.True(p.Sink && !p.Probe));
        Assert.Equal(plan.SteadyStateFanout, ScenarioPlan.Broadcast(2, 30, TenSeconds).SteadyStateFanout);
        var meeting = ScenarioPlan.Meeting(6, TenSeconds).WithProbes(4);
        Assert.Equal([false, false, false, false, true, true], meeting.Participants.Select(p => p.Sink));
        Assert.Equal(0, ScenarioPlan.Meeting(6, TenSeconds).WithProbes(20).SinkCount);
        Assert.Throws<ArgumentException>(() => plan.WithProbes(-1));
    }

    [Fact]
    public void JoinStorm_MeetingRunsInRoom0_StormJoinsRoom1EvenlyAfterItsStart()
    {
        var plan = ScenarioPlan.JoinStorm(6, 500, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(60));
        Assert.Equal(507, plan.Participants.Count);
        Assert.All(plan.Participants.Take(6), p => Assert.True(p.Room == 0 && p.Publishes && p.JoinAt == TimeSpan.Zero));
        Assert.All(plan.Participants.Skip(6), p => Assert.Equal(1, p.Room));
        var storm = plan.Participants.Skip(7).ToList();
        Assert.All(storm, p => Assert.True(!p.Publishes && p.JoinAt >= TimeSpan.FromSeconds(5) && p.JoinAt < TimeSpan.FromSeconds(15)));
        Assert.Equal(TimeSpan.FromSeconds(5), storm[0].JoinAt);
        Assert.Equal(TimeSpan.FromMilliseconds(20), storm[1].JoinAt - storm[0].JoinAt);
        Assert.All(plan.Participants.Take(6), p => Assert.Equal(5, plan.PublishersFor(p).Count()));
        Assert.All(storm, p => Assert.Single(plan.PublishersFor(p)));
        Assert.Throws<ArgumentException>(() => ScenarioPlan.JoinStorm(6, 10, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(12)));
    }

    /// <summary>
    /// The storm's subscribers are steady joiners, so the usual window (steady + warm-up) would open after the storm and
    /// count none of the running room's loss during it: a storm counts from its first planned join, other plans as usual.
    /// </summary>
    [Fact]
    public void JoinStorm_LossCountsFromTheStormsStart_OtherPlansFromTheUsualWindow()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), ScenarioPlan.JoinStorm(6, 500, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60)).WithProbes(20).LossWindowFrom);
        Assert.Equal(TimeSpan.FromSeconds(3), ScenarioPlan.JoinStorm(4, 10, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30)).LossWindowFrom);
        Assert.Null(ScenarioPlan.Meeting(6, TenSeconds).LossWindowFrom);
        Assert.Null(ScenarioPlan.Audio(10, 100, TenSeconds).LossWindowFrom);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(ScenarioPlan.MaxParticipants + 1)]
    public void ParticipantLimit_IsEnforced(int n) => Assert.Throws<ArgumentException>(() => ScenarioPlan.Meeting(n, TenSeconds));

    [Fact]
    public void DurationLimit_IsEnforced()
    {
        Assert.Throws<ArgumentException>(() => ScenarioPlan.Meeting(3, TimeSpan.FromHours(1)));
        Assert.Throws<ArgumentException>(() => ScenarioPlan.Meeting(3, TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => ScenarioPlan.Broadcast(1, 0, TenSeconds));
    }
}
