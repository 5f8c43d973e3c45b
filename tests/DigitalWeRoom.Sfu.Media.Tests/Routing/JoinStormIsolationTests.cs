using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols;
using Microsoft.Extensions.Time.Testing;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>
/// Issue 16 item 3: a join storm into a second room must take nothing from a room already running. Both rooms' fan-out
/// goes through the same send worker, which cannot send all that is offered. Each transport has its own budget in the
/// worker (<see cref="WorkerInbox"/>), so the storm's subscribers lose their own oldest packets, never the running
/// room's; and the storm's transports are newcomers, sent after the established ones, so the running room loses nothing
/// even when each of its subscribers receives more than the worker's fair share per transport.
/// </summary>
public sealed class JoinStormIsolationTests
{
    private const int Budget = 64;

    [Fact]
    public void StormIntoASecondRoom_RunningRoomLosesNothing_StormLosesOnlyItsOwn()
    {
        // No newcomer period: the per-transport budgets alone.
        using var workers = new SendWorkerPool(new SendWorkerOptions { Workers = 2, StartThreads = false, TransportQueueCapacity = Budget, NewcomerPeriod = TimeSpan.Zero });
        var worker = workers.Workers.Single();
        using var running = new AudioFanOutRoom(workers, 6, ssrc: 0x1111);
        using var storm = new AudioFanOutRoom(workers, 60, ssrc: 0x2222);
        Assert.NotEmpty(running.Pinned);
        Assert.True(storm.Pinned.Length >= 30, $"{storm.Pinned.Length} storm subscribers on the worker");

        // Per step the running room offers the worker 1 packet per subscriber and the storm 10: far more in all than
        // the worker sends (2 chunks of 64), so it falls further behind every step.
        const int Steps = 400;
        for (int step = 0; step < Steps; step++)
        {
            running.Send(1);
            storm.Send(10);
            worker.DrainChunkOnce();
            worker.DrainChunkOnce();
        }
        // The storm was dropping while the running room was being sent: the worker was behind the whole time.
        long stormDropped = storm.Router.Counters.Drops.Get(DropReason.QueueOverflow);
        Assert.True(stormDropped > 0, "the worker kept up: nothing shows isolation");
        Assert.Equal(stormDropped, storm.Pinned.Sum(s => s.Outbound.QueueOverflows));
        Assert.Equal(stormDropped, worker.Dropped);
        while (worker.DrainChunkOnce() > 0)
        {
        }

        // The running room: no drop of any kind, on any of its transports, and every packet to every receiver in order.
        Assert.Equal(0, running.Router.Counters.Drops.Total);
        Assert.All(running.Subscribers, s => Assert.Equal(0, s.Outbound.QueueOverflows));
        Assert.All(running.Senders, s =>
        {
            Assert.Equal(Steps, s.Packets);
            Assert.Equal(0, s.OutOfOrder);
            Assert.Equal(0, s.Concurrent);
        });
        // The storm's pinned subscribers each kept a budget's worth at most behind and got their newest packets in order.
        Assert.All(storm.Pinned, s => Assert.True(s.Outbound.QueueOverflows > 0));
        Assert.All(storm.Senders, s => Assert.Equal(0, s.Backwards));
        Assert.Equal((long)Steps * 10 * storm.Subscribers.Length, storm.Senders.Sum(s => s.Packets) + stormDropped);

        running.Router.Dispose();
        storm.Router.Dispose();
        Assert.Equal(0, running.Pool.Outstanding);
        Assert.Equal(0, storm.Pool.Outstanding);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WorkerShortOfCpu_NewcomersWaitBehindTheRunningRoom(bool newcomersWait)
    {
        var time = new FakeTimeProvider();
        using var workers = new SendWorkerPool(new SendWorkerOptions
        {
            Workers = 2, StartThreads = false, TransportQueueCapacity = Budget, TimeProvider = time,
            NewcomerPeriod = newcomersWait ? TimeSpan.FromSeconds(3) : TimeSpan.Zero,
        });
        var worker = workers.Workers.Single();
        using var running = new AudioFanOutRoom(workers, 6, ssrc: 0x1111);
        running.Send(1); // its media flows
        while (worker.DrainChunkOnce() > 0)
        {
        }
        time.Advance(TimeSpan.FromSeconds(10)); // the meeting has run a while when the storm comes
        using var storm = new AudioFanOutRoom(workers, 60, ssrc: 0x2222);

        // Per step the worker sends one chunk (64 items); the running room's pinned subscribers want 10 each (about
        // 40 in all: more than 64 shared by 40-odd inboxes gives each), the storm's 2 each (about 80).
        const int Steps = 300;
        for (int step = 0; step < Steps; step++)
        {
            running.Send(10);
            storm.Send(2);
            worker.DrainChunkOnce();
        }
        while (worker.DrainChunkOnce() > 0)
        {
        }

        long runningDropped = running.Pinned.Sum(s => s.Outbound.QueueOverflows);
        Assert.True(storm.Pinned.Sum(s => s.Outbound.QueueOverflows) > 0, "the worker kept up: nothing shows isolation");
        if (newcomersWait)
        {
            Assert.Equal(0, runningDropped);
            Assert.Equal(0, running.Router.Counters.Drops.Total);
            Assert.All(running.Senders, s =>
            {
                Assert.Equal(1 + (Steps * 10), s.Packets);
                Assert.Equal(0, s.OutOfOrder);
            });
        }
        else
        {
            // Without it, every inbox gets an equal share: the running room's busier subscribers lose the most.
            Assert.True(runningDropped > 0);
        }
        Assert.All(storm.Senders, s => Assert.Equal(0, s.Backwards));
        running.Router.Dispose();
        storm.Router.Dispose();
        Assert.Equal(0, running.Pool.Outstanding);
        Assert.Equal(0, storm.Pool.Outstanding);
    }
}
