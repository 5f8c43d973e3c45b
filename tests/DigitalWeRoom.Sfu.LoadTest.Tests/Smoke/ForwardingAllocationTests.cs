using System.Buffers.Binary;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Protocols;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Udp;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Smoke;

/// <summary>
/// Issue #6 item 6 as a CI test: bytes allocated per forwarded packet in steady state and gen-0 collections per
/// million forwarded packets, both 0, through the in-process forwarding path — a connected publisher's SRTP packet
/// into <c>UdpEndpoint.ProcessDatagram</c> (classify, tuple lookup, unprotect), the router fan-out to 10 consumers
/// and each subscriber's send step (copy, rewrite, SRTP protect, sendto on a real loopback socket to the subscriber's
/// client, which decrypts and accounts it on its own receive thread). The server side runs on the test thread
/// (send loops not started), so its allocations are counted exactly.
/// </summary>
[Collection("loopback-sockets")]
public class ForwardingAllocationTests
{
    private const int Subscribers = 10;

    [Theory]
    [InlineData(false, 1)] // through each subscriber's queue, drained by hand as its send loop would
    [InlineData(true, 1)]  // sent inline on the fan-out thread, one sendmmsg per input packet
    [InlineData(true, 2)]  // the fan-out spread over the fan-out thread and a send worker (the server's default on 2 cores)
    public async Task SteadyState_ZeroBytesPerForwardedPacket_ZeroGen0Collections(bool inline, int workers)
    {
        using var sendWorkers = workers > 1 ? new SendWorkerPool(new SendWorkerOptions { Workers = workers }) : null;
        var plan = ScenarioPlan.Broadcast(1, Subscribers, TimeSpan.FromSeconds(30));
        var profile = new MediaProfile { Audio = false };
        await using var target = new InProcessTarget(routerOptions: new RouterOptions { StartSendLoops = false, InlineSend = inline, RtcpReportInterval = TimeSpan.Zero, SubscriberQueueCapacity = 64, SendWorkers = sendWorkers });
        var participants = plan.Participants.Select(p => new SyntheticParticipant(p, profile, 1)).ToArray();
        foreach (var p in participants) await target.JoinAsync(p, CancellationToken.None);
        var publisher = participants[0];
        var client = target.ClientOf(publisher);
        var srtp = client.Transport.LocalSrtp!;
        var from = client.Endpoint.LocalEndPoint.Serialize();
        var subscriberMedia = participants.Select(target.MediaOf).ToArray();
        var router = target.Routers.Single();
        var pool = target.Endpoint.Pool;
        var sink = new ProtectingSink(srtp);
        var video = publisher.Video!;
        long clock = 0;
        video.Start(0);

        var where = new List<string>();
        void Run(int frames)
        {
            for (int f = 0; f < frames; f++)
            {
                long a0 = GC.GetAllocatedBytesForCurrentThread();
                clock += System.Diagnostics.Stopwatch.Frequency / profile.VideoFps;
                sink.Packets = 0;
                long c0 = GC.GetAllocatedBytesForCurrentThread();
                video.SendDue(clock, sink);
                long c1 = GC.GetAllocatedBytesForCurrentThread() - c0;
                if (c1 != 0 && where.Count < 20) where.Add($"senddue {f}: {c1}");
                for (int i = 0; i < sink.Packets; i++)
                {
                    PooledPacket packet = pool.Rent();
                    sink.Wire[i].AsSpan(0, sink.Lengths[i]).CopyTo(packet.Buffer);
                    packet.Length = sink.Lengths[i];
                    long b0 = GC.GetAllocatedBytesForCurrentThread();
                    using (EgressBatch.Enter())
                    {
                        // The receive loop's batch scope: inline sends leave in one sendmmsg.
                        target.Endpoint.ProcessDatagram(packet, from);
                    }
                    long b1 = GC.GetAllocatedBytesForCurrentThread() - b0;
                    if (b1 != 0 && where.Count < 20) where.Add($"process {f}/{i}: {b1}");
                    packet.Release();
                }
                // The worker's share leaves on its own thread (its allocations are counted there).
                while (sendWorkers is not null && sendWorkers.Backlog > 0) Thread.Yield();
                for (int k = 0; k < subscriberMedia.Length; k++)
                {
                    long d0 = GC.GetAllocatedBytesForCurrentThread();
                    subscriberMedia[k].Outbound.DrainAvailable();
                    long d1 = GC.GetAllocatedBytesForCurrentThread() - d0;
                    if (d1 != 0 && where.Count < 20) where.Add($"drain {f}/{k}: {d1}");
                }
                long a1 = GC.GetAllocatedBytesForCurrentThread() - a0;
                if (a1 != 0 && where.Count < 20) where.Add($"frame {f}: {a1} B (keyframes {video.KeyFramesSent})");
            }
        }

        // One dedicated thread for warm-up and measurement, as a receive loop is: first use of thread-static state
        // on a new thread allocates once, and await continuations would hop between thread-pool threads.
        long forwardedBefore = 0;
        int gen0Before = 0;
        long allocated = 0;
        long workerAllocatedBefore = 0;
        await Task.Factory.StartNew(() =>
        {
            // Warm-up: pool, key frame reaching every consumer, and tiered JIT (call counting and the tier-1
            // install happen after a delay; a method promoted mid-measurement shows up as a few bytes once).
            for (int i = 0; i < 6; i++)
            {
                Run(300);
                Thread.Sleep(200);
            }
            where.Clear();
            workerAllocatedBefore = sendWorkers?.AllocatedBytes ?? 0;
            forwardedBefore = router.Counters.ForwardedPackets;
            gen0Before = GC.CollectionCount(0);
            // 4,000 frames in chunks of 20, so the subscribers' clients (default-sized socket buffers, on a shared
            // 2-core machine) can keep up; only the synchronous forwarding work is inside the allocation measurement.
            for (int chunk = 0; chunk < 200; chunk++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                Run(20);
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                Thread.Sleep(25);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        int gen0 = GC.CollectionCount(0) - gen0Before;
        long forwarded = router.Counters.ForwardedPackets - forwardedBefore;

        Assert.Equal(4_000L * profile.VideoPacketsPerFrame * Subscribers, forwarded);
        Assert.True(allocated == 0, $"{allocated} B: " + string.Join("; ", where));
        long workerAllocated = (sendWorkers?.AllocatedBytes ?? 0) - workerAllocatedBefore;
        Assert.True(workerAllocated == 0, $"send workers allocated {workerAllocated} B");
        if (sendWorkers is not null) Assert.True(sendWorkers.Processed > 0, "nothing went through the send worker");
        // The worker sent through a socket of its own on the port (LaneSockets), bound once before the measured rounds.
        if (sendWorkers is not null) Assert.Equal(1, target.Endpoint.LaneSocketCount);
        Assert.Equal(0, gen0);
        // Nothing dropped, except that a subscriber's bounded queue (64 here) may drop its oldest items while its
        // sender is held by another thread (the retransmissions the clients' NACKs ask for) that a loaded CI host
        // preempts: 29 drops of 400,000 in one CI run, whose reason was not recorded; this message names it. A few,
        // never more than 1 %; every other reason fails.
        var drops = Enum.GetValues<DropReason>().Where(r => r != DropReason.None && router.Counters.Drops.Get(r) > 0)
            .Select(r => $"{r} {router.Counters.Drops.Get(r)}").ToArray();
        long overflows = router.Counters.Drops.Get(DropReason.QueueOverflow);
        Assert.True(router.Counters.Drops.Total == overflows && overflows <= forwarded / 100, "drops: " + string.Join(", ", drops));

        // What the subscribers decrypted (on their receive threads) matches what was forwarded.
        long sent = video.LastSentSequence;
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (participants.Skip(1).Any(p => p.ReceivedFrom(0, StreamKind.Video)?.Highest != sent) && DateTime.UtcNow < deadline) await Task.Delay(20);
        foreach (var s in participants.Skip(1))
        {
            var got = s.ReceivedFrom(0, StreamKind.Video)!;
            // The clients' receive threads compete for 2 shared cores here, and bursts of 100 packets per chunk can
            // overflow their default socket buffers: loss-free delivery is asserted by the paced smoke run instead.
            Assert.Equal(sent, got.Highest);
            Assert.True(got.Lost(sent) < got.Expected(sent) / 20, $"{s.Plan.Name}: lost {got.Lost(sent)} of {got.Expected(sent)}");
        }
    }

    /// <summary>Protects the publisher's packets with its client's SRTP context instead of sending them.</summary>
    private sealed class ProtectingSink(DigitalWeRoom.Sfu.Transport.Srtp.SrtpContext srtp) : IRtpSink
    {
        public byte[][] Wire { get; } = Enumerable.Range(0, 16).Select(_ => new byte[PooledPacket.Capacity]).ToArray();

        public int[] Lengths { get; } = new int[16];

        public int Packets { get; set; }

        public bool TrySendRtp(Span<byte> buffer, int length)
        {
            buffer[..length].CopyTo(Wire[Packets]);
            Assert.True(srtp.TryProtectRtp(Wire[Packets], length, out Lengths[Packets]));
            _ = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
            Packets++;
            return true;
        }
    }
}
