using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.Media.Tests.Routing;

/// <summary>
/// Two cores for one room (issue 16 item 5): a publisher's fan-out is sent partly on its receive loop and partly by
/// send workers. Each subscriber keeps its order and a single sender, a full inbox drops its own oldest items,
/// nothing is allocated per packet on either thread, and closing returns every pooled packet.
/// </summary>
public sealed class SendWorkerTests
{
    private const int Subscribers = 10;

    private static AudioFanOutRoom NewRoom(SendWorkerOptions workers) => new(new SendWorkerPool(workers), Subscribers, ownsWorkers: true);

    [Fact]
    public void TwoPartitions_SpreadTheFanOut_EachSubscriberInOrder_OneSenderAtATime()
    {
        using var room = NewRoom(new SendWorkerOptions { Workers = 2 });
        var pinned = room.Subscribers.Where(s => s.Outbound.Worker is not null).ToArray();
        // With weight 2 the receive loop keeps about a third of the transports.
        Assert.InRange(pinned.Length, 5, 8);

        const int Packets = 20_000;
        for (int i = 0; i < Packets / 100; i++)
        {
            room.Send(100);
            // A closed loop, as a socket's receive queue is: no inbox is ever near its budget (256).
            while (room.Workers.Backlog > 512) Thread.Yield();
        }
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (room.Workers.Backlog > 0 && DateTime.UtcNow < deadline) Thread.Sleep(5);

        int receiveThread = Environment.CurrentManagedThreadId;
        var worker = room.Workers.Workers.Single();
        for (int i = 0; i < Subscribers; i++)
        {
            var sender = room.Senders[i];
            Assert.Equal(Packets, sender.Packets);
            Assert.Equal(0, sender.OutOfOrder);
            Assert.Equal(0, sender.Concurrent);
            // Pinned subscribers were sent by the worker's thread, the others on this (the receive) thread.
            Assert.Equal(room.Subscribers[i].Outbound.Worker is null, sender.LastThread == receiveThread);
        }
        Assert.Equal((long)Packets * pinned.Length, worker.Processed);
        Assert.Equal(0, worker.Dropped);
        Assert.Equal(0, room.Router.Counters.Drops.Total);
        Assert.Equal((long)Packets * Subscribers, room.Router.Counters.ForwardedPackets);
    }

    [Fact]
    public void FullInbox_DropsItsOwnOldestItems_NewestAreSentInOrder()
    {
        const int Budget = 16;
        using var room = NewRoom(new SendWorkerOptions { Workers = 2, StartThreads = false, TransportQueueCapacity = Budget });
        var worker = room.Workers.Workers.Single();
        int pinned = room.Subscribers.Count(s => s.Outbound.Worker is not null);
        const int Packets = 40;

        room.Send(Packets); // the worker does not run: every pinned transport's inbox overflows
        Assert.Equal(Budget * pinned, worker.Backlog);
        long dropped = (long)(Packets - Budget) * pinned;
        Assert.Equal(dropped, worker.Dropped);
        Assert.Equal(dropped, room.Router.Counters.Drops.Get(DropReason.QueueOverflow));
        Assert.All(room.Subscribers, s => Assert.Equal(s.Outbound.Worker is null ? 0 : Packets - Budget, s.Outbound.QueueOverflows));
        while (worker.DrainChunkOnce() > 0)
        {
        }

        // Each inbox kept its last Budget items: the newest packets, still in order.
        ushort lastInline = room.Senders[Array.FindIndex(room.Subscribers, s => s.Outbound.Worker is null)].LastSeq;
        long sent = 0;
        for (int i = 0; i < Subscribers; i++)
        {
            var sender = room.Senders[i];
            if (room.Subscribers[i].Outbound.Worker is null)
            {
                Assert.Equal(Packets, sender.Packets);
                continue;
            }
            Assert.Equal(0, sender.OutOfOrder);
            Assert.Equal(Budget, sender.Packets);
            sent += sender.Packets;
            // Its last packet is the publisher's last one (same rewrite offset as an inline subscriber's).
            Assert.Equal(lastInline, sender.LastSeq);
        }
        Assert.Equal(Budget * pinned, sent);
        Assert.Equal(0, room.Subscribers.Sum(s => s.Outbound.QueuedCount));
        room.Router.Dispose();
        Assert.Equal(0, room.Pool.Outstanding);
    }

    [Fact]
    public void TwoThreads_ZeroBytesPerPacket_OnTheReceiveLoopAndTheWorker()
    {
        using var room = NewRoom(new SendWorkerOptions { Workers = 2, StartThreads = false, TransportQueueCapacity = 1024 });
        var worker = room.Workers.Workers.Single();
        long workerAllocated = 0;
        int workerBatches = 0;
        var phase = 0; // 1: warm-up running, 2: measured run, 3: done
        var drainer = new Thread(() =>
        {
            EgressBatch.KeepOnThisThread(); // as a worker's thread does (SendWorker.Run)
            while (Volatile.Read(ref phase) < 2) worker.DrainChunkOnce();
            long before = GC.GetAllocatedBytesForCurrentThread();
            while (Volatile.Read(ref phase) < 3 || worker.Backlog > 0)
            {
                if (worker.DrainChunkOnce() > 0) workerBatches++;
                else Thread.SpinWait(50);
            }
            workerAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }) { IsBackground = true };
        drainer.Start();

        void Run(int chunks)
        {
            for (int i = 0; i < chunks; i++)
            {
                room.Send(100);
                while (worker.Backlog > 256) Thread.SpinWait(50); // far below the inboxes' budget: nothing dropped
            }
        }

        // This thread plays the receive loop, which keeps its own sendmmsg batch (UdpEndpoint.ReceiveLoop): no renting
        // from the process-wide list that tests running in parallel may have emptied.
        long receiveAllocated, poolAllocated;
        EgressBatch.KeepOnThisThread();
        try
        {
            Run(50); // warm-up: JIT, inbox cells
            // The pool and its idle queue at full size (4,096 retained): a slower worker under CPU contention keeps
            // more packets out than the warm-up did, and the idle queue's segments grow when a new peak comes back
            // (growth of a pool, not a per-packet allocation).
            var warm = Enumerable.Range(0, 4200).Select(_ => room.Pool.Rent()).ToArray();
            foreach (var packet in warm) packet.Release();
            while (worker.Backlog > 0) Thread.SpinWait(50);
            Volatile.Write(ref phase, 2);
            poolAllocated = room.Pool.Allocated;
            long before = GC.GetAllocatedBytesForCurrentThread();
            Run(100);
            receiveAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
            poolAllocated = room.Pool.Allocated - poolAllocated;
        }
        finally
        {
            EgressBatch.KeepOnThisThread(false);
        }
        Volatile.Write(ref phase, 3);
        Assert.True(drainer.Join(TimeSpan.FromSeconds(30)));

        Assert.True(receiveAllocated == 0 && workerAllocated == 0, $"receive loop {receiveAllocated} B, worker {workerAllocated} B, pool grew by {poolAllocated}");
        Assert.True(workerBatches > 0);
        Assert.Equal(0, worker.Dropped);
        Assert.All(room.Senders, s => Assert.Equal(15_000, s.Packets));
        Assert.All(room.Senders, s => Assert.Equal(0, s.OutOfOrder));
    }

    /// <summary>Runs <paramref name="body"/> as a receive loop's datagram, then a window of spare time unless <paramref name="busy"/>.</summary>
    private static void AsDatagram(ref ReceiveLoopLoad load, Action body, bool busy = false)
    {
        load.Begin();
        using (EgressBatch.Enter())
        {
            body();
        }
        // Clocks of a window that took 1 ms: all of it on the CPU (busy), or 1 µs of it.
        s_wall += 1_000_000;
        s_cpu += busy ? 1_000_000 : 1_000;
        load.End(s_wall, s_cpu);
    }

    [ThreadStatic]
    private static long s_wall, s_cpu;

    /// <summary>
    /// Wakes <paramref name="worker"/> and keeps it awake with an empty ring: it is stuck on a report for
    /// <paramref name="held"/> (pinned to it), whose busy flag the caller holds until it calls ReleaseBusy.
    /// </summary>
    private static void WakeStuckOn(TransportSender held, SendWorker worker)
    {
        Assert.True(held.Path.TryAcquireBusy());
        var poster = new Thread(() => held.TryEnqueue(OutboundItem.ReportTick()));
        poster.Start();
        poster.Join();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while ((worker.IsAsleep || worker.Backlog > 0) && DateTime.UtcNow < deadline) Thread.Sleep(1);
        Assert.False(worker.IsAsleep);
    }

    private static void WaitUntilAsleep(SendWorker worker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!worker.IsAsleep && DateTime.UtcNow < deadline) Thread.Sleep(1);
        Assert.True(worker.IsAsleep, "the worker did not go to sleep");
    }

    [Fact]
    public void ReceiveLoopWithSpareTime_SendsForTheSleepingWorker_WithoutWakingIt()
    {
        using var room = NewRoom(new SendWorkerOptions { Workers = 2 });
        var worker = room.Workers.Workers.Single();
        var load = default(ReceiveLoopLoad); // its clocks are the fake ones of AsDatagram
        try
        {
            AsDatagram(ref load, () => { }); // the loop has been idle
            WaitUntilAsleep(worker);
            long wakeUps = worker.WakeUps;
            const int Packets = 200;
            for (int i = 0; i < Packets; i++) AsDatagram(ref load, () => room.Send(1));

            // The same without the lambda of AsDatagram, measured: nothing allocated per packet on this path either.
            EgressBatch.KeepOnThisThread();
            long allocated;
            try
            {
                using (EgressBatch.Enter())
                {
                    // The thread's own batch, allocated once by its first scope (as a receive loop's is).
                }
                long before = GC.GetAllocatedBytesForCurrentThread();
                for (int i = 0; i < Packets; i++)
                {
                    load.Begin();
                    using (EgressBatch.Enter())
                    {
                        room.Send(1);
                    }
                    s_wall += 1_000_000;
                    s_cpu += 1_000;
                    load.End(s_wall, s_cpu);
                }
                allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            finally
            {
                EgressBatch.KeepOnThisThread(false);
            }
            Assert.Equal(0, allocated);

            Assert.Equal(wakeUps, worker.WakeUps);
            Assert.Equal(0, worker.Processed);
            int receiveThread = Environment.CurrentManagedThreadId;
            Assert.All(room.Senders, s => Assert.Equal(2 * Packets, s.Packets));
            Assert.All(room.Senders, s => Assert.Equal(0, s.OutOfOrder));
            Assert.All(room.Senders, s => Assert.Equal(receiveThread, s.LastThread));
            Assert.Equal(0, room.Router.Counters.Drops.Total);

            // A busy loop (or any other thread) hands the pinned transports' packets to the worker again.
            AsDatagram(ref load, () => { }, busy: true); // the verdict comes from the datagrams before
            AsDatagram(ref load, () => room.Send(1), busy: true);
            var deadline = DateTime.UtcNow.AddSeconds(20);
            int pinned = room.Subscribers.Count(s => s.Outbound.Worker is not null);
            while (worker.Processed < pinned && DateTime.UtcNow < deadline) Thread.Sleep(1);
            Assert.Equal(pinned, worker.Processed);
            Assert.InRange(worker.WakeUps - wakeUps, 1, pinned);
            for (int i = 0; i < Subscribers; i++)
            {
                Assert.Equal((2 * Packets) + 1, room.Senders[i].Packets);
                Assert.Equal(room.Subscribers[i].Outbound.Worker is null, room.Senders[i].LastThread == receiveThread);
            }
        }
        finally
        {
            ReceiveLoopLoad.Leave();
        }
    }

    [Fact]
    public void TransportSentInlineDuringADatagram_StaysInline_WhenTheWorkerWakesMeanwhile()
    {
        using var room = NewRoom(new SendWorkerOptions { Workers = 2 });
        var worker = room.Workers.Workers.Single();
        // The publisher's transport is pinned to the worker too: holding its busy flag keeps the woken worker stuck on
        // a report for it, awake with an empty ring.
        var held = room.Publisher.Outbound;
        Assert.NotNull(held.Worker);
        var load = default(ReceiveLoopLoad); // its clocks are the fake ones of AsDatagram
        try
        {
            AsDatagram(ref load, () => { });
            WaitUntilAsleep(worker);
            int receiveThread = Environment.CurrentManagedThreadId;
            AsDatagram(ref load, () =>
            {
                room.Send(1); // sent here: the worker sleeps
                WakeStuckOn(held, worker);
                room.Send(1); // the worker is awake now, but the first packet still waits in this thread's batch
                held.Path.ReleaseBusy();
            });
            Assert.All(room.Senders, s => Assert.Equal(2, s.Packets));
            Assert.All(room.Senders, s => Assert.Equal(0, s.OutOfOrder));
            Assert.All(room.Senders, s => Assert.Equal(receiveThread, s.LastThread));
        }
        finally
        {
            ReceiveLoopLoad.Leave();
        }
    }

    [Fact]
    public void TransportSentInlineByOneLoop_IsNotTakenOverByAnotherLoop_UntilItsDatagramIsDone()
    {
        using var room = NewRoom(new SendWorkerOptions { Workers = 2 });
        var worker = room.Workers.Workers.Single();
        var held = room.Publisher.Outbound;
        // Two receive loops (Sfu:Udp:ReceiveSockets 2), each with a slot of its own; the fake clocks of AsDatagram give
        // each time to spare from its second window on.
        var load = ReceiveLoopLoad.StartNow();
        try
        {
            AsDatagram(ref load, () => { });
            AsDatagram(ref load, () => { });
            WaitUntilAsleep(worker);
            int receiveThread = Environment.CurrentManagedThreadId;
            AsDatagram(ref load, () =>
            {
                room.Send(1); // sent here, into this loop's batch: the worker sleeps
                // The other loop, while this datagram is still in progress, forwards to the same subscribers: it must
                // leave them to the worker, not take the inline mark over from this loop.
                var other = new Thread(() =>
                {
                    var otherLoad = ReceiveLoopLoad.StartNow();
                    AsDatagram(ref otherLoad, () => { });
                    AsDatagram(ref otherLoad, () => { });
                    AsDatagram(ref otherLoad, () => room.Send(1));
                    ReceiveLoopLoad.Leave();
                });
                other.Start();
                Assert.True(other.Join(TimeSpan.FromSeconds(20)));
                // The worker awake (stuck on a report for the publisher's transport) for this loop's next packet.
                WakeStuckOn(held, worker);
                room.Send(1); // the first packet still waits in this loop's batch: this one must follow it there
                held.Path.ReleaseBusy();
            });
            Assert.All(room.Senders, s => Assert.Equal(3, s.Packets));
            Assert.All(room.Senders, s => Assert.Equal(0, s.Backwards));
            Assert.All(room.Senders, s => Assert.Equal(receiveThread, s.LastThread));
        }
        finally
        {
            ReceiveLoopLoad.Leave();
        }
    }

    [Fact]
    public void Shutdown_WhileWorkersAreBusy_ReturnsEveryPooledPacket()
    {
        var room = NewRoom(new SendWorkerOptions { Workers = 3, TransportQueueCapacity = 64 });
        Assert.Equal(2, room.Workers.Workers.Count);
        room.Send(3_000); // small inboxes: some items are dropped, some still queued at close
        room.Router.Dispose();
        room.Workers.Dispose();
        Assert.Equal(0, room.Pool.Outstanding);
        Assert.Equal(room.Pool.Rented, room.Pool.Returned);
        // Posting after shutdown releases at once.
        Assert.All(room.Workers.Workers, w => Assert.Equal(0, w.Backlog));
    }
}
