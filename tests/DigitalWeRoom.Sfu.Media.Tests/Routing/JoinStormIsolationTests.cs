using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>
/// Issue 16 item 3: a join storm into a second room must take nothing from a room already running. Both rooms' fan-out
/// goes through the same send worker; the storm offers it far more than it can send, and the running room much less
/// than its share. Each transport has its own budget in the worker (<see cref="WorkerInbox"/>): the storm's
/// subscribers lose their own oldest packets, the running room's subscribers lose none and get every packet in order.
/// </summary>
public sealed class JoinStormIsolationTests
{
    private const int Budget = 64;

    [Fact]
    public void StormIntoASecondRoom_RunningRoomLosesNothing_StormLosesOnlyItsOwn()
    {
        using var workers = new SendWorkerPool(new SendWorkerOptions { Workers = 2, StartThreads = false, TransportQueueCapacity = Budget });
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
}
