using System.Diagnostics;
using System.Runtime.InteropServices;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Transport.Buffers;
using DigitalWeRoom.Sfu.Transport.Udp;
using System.Net;
using System.Net.Sockets;

namespace DigitalWeRoom.Sfu.LoadTest.Runner;

/// <summary>
/// Saturation of our forwarding path on one thread, the counterpart of perf-reference's closed-loop forwarder
/// (`fwd 1 10 …`): 1 publisher → N subscribers connected over real ICE/DTLS on 127.0.0.1; a batch of the publisher's
/// 1,200-byte video packets is SRTP-protected up front (untimed), then each is pushed through
/// <c>UdpEndpoint.ProcessDatagram</c> (classify, tuple lookup, unprotect, router fan-out) and every subscriber's send
/// step (copy, rewrite, protect, send) on one pinned thread, inside one <see cref="EgressBatch"/> scope per input
/// packet as the receive loop does (one <c>sendmmsg</c> for the fan-out; <c>DWR_SENDMMSG=0</c>: one sendto each).
/// With <c>sinks</c> (default) the subscribers' packets go, like the reference's, to sockets nobody reads (rcvbuf
/// 4 KiB, the kernel drops them), else to the live clients, whose receive threads every send must wake.
/// Difference from the reference left: no recvfrom syscall (the datagram is handed in).
/// With <c>workers</c> &gt; 1 the fan-out is spread over send workers (issue 16 item 5): the pinned thread keeps
/// partition 0 and each worker thread is pinned to <c>cpu + i % cores</c> (<c>cores</c> 1: all on one core, the
/// overhead of the hand-off alone). The loop stays closed: it waits while the workers are more than a ring's quarter
/// behind, and a timed batch ends when they have sent everything. Timing starts once a warm-up round compiled no
/// method (the tiered JIT's background thread would otherwise share the measured cores).
/// </summary>
internal static partial class ForwardBench
{
    /// <param name="ForwarderCpuNanos">CPU time of the forwarding thread in the timed rounds (its waits for the workers included).</param>
    /// <param name="ForwarderWaitCpuNanos">Part of <paramref name="ForwarderCpuNanos"/> spent in the waits for the workers (each wait yields in a loop and is CPU time too): subtracted, the forwarder's own work, comparable with the workers' to judge the split.</param>
    /// <param name="ForwarderWaitingShare">Share of the timed rounds' wall time the forwarding thread waited for the workers (above 0: they are the bottleneck).</param>
    /// <param name="WorkerCpuNanos">CPU time of the send worker threads in the timed rounds (their spins before sleeping included).</param>
    /// <param name="WorkerAllocatedBytes">Bytes the send workers' threads allocated while draining in the timed rounds.</param>
    /// <param name="PoolGrowth">Packets the packet pool had to allocate in the timed rounds (each 1,640 B, counted in <paramref name="AllocatedBytes"/> when the forwarding thread rented it).</param>
    public readonly record struct Result(double OutPacketsPerSecond, double Seconds, long OutPackets, long AllocatedBytes, int Gen0, IReadOnlyList<LoadPoint> Latency, int WarmRounds, long LastWarmJitted, long WorkerItems, long WorkerDrains, long ForwarderCpuNanos = 0, long WorkerCpuNanos = 0, double ForwarderWaitingShare = 0, long WorkerAllocatedBytes = 0, long PoolGrowth = 0, long ForwarderWaitCpuNanos = 0);

    /// <summary>
    /// In→out latency at a fraction of the saturation just measured: input packets are due at a fixed rate (open
    /// loop); latency = end of the packet's fan-out (its sendmmsg returned) − the time it was due, so falling behind
    /// shows up as queueing delay, as in a socket's receive queue.
    /// </summary>
    public readonly record struct LoadPoint(double Fraction, double InPacketsPerSecond, long Packets, double P50Micros, double P99Micros, double MaxMicros);

    public static async Task<Result> RunAsync(int subscribers, double seconds, int cpu, bool sinks = true, bool inline = true, IReadOnlyList<double>? latencyFractions = null, int workers = 1, int cores = 1, bool laneSockets = true, int inlineWeight = 2, bool audio = false)
    {
        // Declared before the target, so it is disposed after the target closed every transport.
        var workerThreads = new System.Collections.Concurrent.ConcurrentBag<int>();
        using var sendWorkers = workers > 1
            ? new SendWorkerPool(new SendWorkerOptions
            {
                Workers = workers,
                InlineWeight = inlineWeight,
                OnWorkerStart = index =>
                {
                    if (OperatingSystem.IsLinux()) workerThreads.Add(GetThreadId());
                    if (cpu >= 0 && OperatingSystem.IsLinux()) PinCurrentThread(cpu + (index % Math.Max(1, cores)));
                },
            })
            : null;
        var plan = ScenarioPlan.Broadcast(1, subscribers, TimeSpan.FromMinutes(5));
        // Audio: the microphone alone (160-byte Opus-sized payloads, 50/s), so the per-packet fixed costs of a listener's
        // fan-out are measured apart from the bytes a 1,200-byte video packet copies and encrypts.
        var profile = audio
            ? new MediaProfile { Audio = true, Video = false }
            : new MediaProfile { Audio = false, VideoBitrate = 1200 * 8 * 30, VideoFps = 30, MaxVideoPayloadBytes = 1200 };
        await using var target = new InProcessTarget(routerOptions: new RouterOptions { StartSendLoops = false, InlineSend = inline, RtcpReportInterval = TimeSpan.Zero, SubscriberQueueCapacity = 1024, SendWorkers = sendWorkers }, laneSendSockets: laneSockets);
        var participants = plan.Participants.Select(p => new SyntheticParticipant(p, profile, 1)).ToArray();
        foreach (var p in participants) await target.JoinAsync(p, CancellationToken.None).ConfigureAwait(false);
        var client = target.ClientOf(participants[0]);
        var srtp = client.Transport.LocalSrtp!;
        var from = client.Endpoint.LocalEndPoint.Serialize();
        // The transports a send worker owns are not drained here (their worker sends them).
        var media = participants.Select(target.MediaOf).Where(m => !m.Outbound.SentByWorker).ToArray();
        using var sinkSockets = new SinkSockets(sinks ? subscribers : 0);
        for (int i = 0; i < sinkSockets.Count; i++)
        {
            target.ServerTransportOf(participants[i + 1]).RedirectSendsForBenchmark(sinkSockets.Address(i));
        }
        var router = target.Routers.Single();
        var pool = target.Endpoint.Pool;
        var video = (audio ? participants[0].Audio : participants[0].Video)!;
        // Input packets per round: 20,000 (200,000 out-packets at 10 subscribers), fewer for a large fan-out so that a
        // round of 500 listeners stays a few seconds long (at least 400 inputs).
        int Batch = Math.Clamp(200_000 / Math.Max(1, subscribers), 400, 20_000);
        var wire = new byte[Batch][];
        var lengths = new int[Batch];
        for (int i = 0; i < Batch; i++) wire[i] = new byte[PooledPacket.Capacity];
        var sink = new BatchSink(wire, lengths, srtp);
        long clock = 0;
        video.Start(0);

        return await Task.Factory.StartNew(() =>
        {
            if (cpu >= 0 && OperatingSystem.IsLinux()) PinCurrentThread(cpu);
            // This thread stands in for a receive loop, which keeps its sendmmsg batch (UdpEndpoint.ReceiveLoop).
            EgressBatch.KeepOnThisThread();
            double timed = 0;
            long outPackets = 0, allocated = 0;
            int gen0Start = GC.CollectionCount(0);
            bool warm = false;
            int warmRounds = 0;
            long jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
            long workerItems = 0, workerDrains = 0, lastWarmJitted = 0, forwarderCpu = 0, workerCpu = 0, workerAllocated = 0, poolGrowth = 0;
            double waited = 0;
            long forwarderWaitCpu = 0;
            int self = OperatingSystem.IsLinux() ? GetThreadId() : 0;
            while (timed < seconds)
            {
                sink.Count = 0;
                while (sink.Count < Batch - 8)
                {
                    clock += Stopwatch.Frequency / profile.VideoFps;
                    video.SendDue(clock, sink);
                }
                long selfCpu0 = ThreadCpuNanos(self), workersCpu0 = workerThreads.Sum(ThreadCpuNanos);
                long fwd0 = router.Counters.ForwardedPackets;
                long items0 = sendWorkers?.Processed ?? 0, drains0 = sendWorkers?.Drains ?? 0;
                long pool0 = pool.Allocated, workerAllocated0 = sendWorkers?.AllocatedBytes ?? 0;
                long a0 = GC.GetAllocatedBytesForCurrentThread();
                long t0 = Stopwatch.GetTimestamp();
                for (int i = 0; i < sink.Count; i++)
                {
                    PooledPacket packet = pool.Rent();
                    wire[i].AsSpan(0, lengths[i]).CopyTo(packet.Buffer);
                    packet.Length = lengths[i];
                    using (EgressBatch.Enter())
                    {
                        target.Endpoint.ProcessDatagram(packet, from);
                    }
                    packet.Release();
                    foreach (var m in media) m.Outbound.DrainAvailable();
                    // Every 8th packet: the backlog reads both ends of the workers' rings (lines their threads write).
                    if ((i & 7) == 7) WaitForWorkers(sendWorkers, BacklogBound);
                }
                WaitForWorkers(sendWorkers, 0);
                double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                long a1 = GC.GetAllocatedBytesForCurrentThread();
                long waitedTicks = Interlocked.Exchange(ref s_waitedTicks, 0);
                long waitedCpu = Interlocked.Exchange(ref s_waitedCpuNanos, 0);
                long selfCpu = ThreadCpuNanos(self) - selfCpu0, workersCpu = workerThreads.Sum(ThreadCpuNanos) - workersCpu0;

                if (!warm)
                {
                    // Warm until a round compiles (almost) no method (tiered JIT done with the path): the
                    // JIT's background thread otherwise competes for the cores being measured, which with
                    // --cores 2 are both busy.
                    long now = System.Runtime.JitInfo.GetCompiledMethodCount();
                    lastWarmJitted = now - jitted;
                    warm = lastWarmJitted <= WarmJitQuiet || ++warmRounds >= MaxWarmRounds;
                    jitted = now;
                    if (warm)
                    {
                        GrowPool(pool, OutstandingBound(subscribers));
                    }
                    gen0Start = GC.CollectionCount(0);
                    continue;
                }
                poolGrowth += pool.Allocated - pool0;
                workerAllocated += (sendWorkers?.AllocatedBytes ?? 0) - workerAllocated0;
                allocated += a1 - a0;
                forwarderCpu += selfCpu;
                forwarderWaitCpu += waitedCpu;
                waited += waitedTicks / (double)Stopwatch.Frequency;
                workerCpu += workersCpu;
                timed += dt;
                outPackets += router.Counters.ForwardedPackets - fwd0;
                workerItems += (sendWorkers?.Processed ?? 0) - items0;
                workerDrains += (sendWorkers?.Drains ?? 0) - drains0;
            }
            double saturation = outPackets / timed;
            var points = new List<LoadPoint>();
            foreach (double fraction in latencyFractions ?? [])
            {
                sink.Count = 0;
                while (sink.Count < Batch - 8)
                {
                    clock += Stopwatch.Frequency / profile.VideoFps;
                    video.SendDue(clock, sink);
                }
                double inRate = fraction * saturation / subscribers;
                double ticksPerPacket = Stopwatch.Frequency / inRate;
                var histogram = new Stats.LatencyHistogram();
                long start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100;
                for (int i = 0; i < sink.Count; i++)
                {
                    long due = start + (long)(i * ticksPerPacket);
                    while (Stopwatch.GetTimestamp() < due) Thread.SpinWait(20);
                    PooledPacket packet = pool.Rent();
                    wire[i].AsSpan(0, lengths[i]).CopyTo(packet.Buffer);
                    packet.Length = lengths[i];
                    using (EgressBatch.Enter())
                    {
                        target.Endpoint.ProcessDatagram(packet, from);
                    }
                    packet.Release();
                    foreach (var m in media) m.Outbound.DrainAvailable();
                    WaitForWorkers(sendWorkers, 0); // the packet is out when the workers sent their share too
                    histogram.Record((Stopwatch.GetTimestamp() - due) * 1_000_000 / Stopwatch.Frequency);
                }
                points.Add(new LoadPoint(fraction, inRate, histogram.Count, histogram.Percentile(50), histogram.Percentile(99), histogram.Max));
            }
            return new Result(saturation, timed, outPackets, allocated, GC.CollectionCount(0) - gen0Start, points, warmRounds + 1, lastWarmJitted, workerItems, workerDrains, forwarderCpu, workerCpu, timed > 0 ? waited / timed : 0, workerAllocated, poolGrowth, forwarderWaitCpu);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
    }

    /// <summary>Methods a warm-up round may still compile and count as warm (other threads' timers compile now and then).</summary>
    private const int WarmJitQuiet = 4;

    private const int MaxWarmRounds = 6;

    /// <summary>Workers' backlog at which the input waits (a quarter of a ring: nothing is dropped for overflow).</summary>
    private const int BacklogBound = 1024;

    /// <summary>
    /// Most packets the fan-out can hold beyond what the retransmission buffers keep anyway: the workers' backlog
    /// bound, plus the 8 packets' fan-out between two checks of it, every item holding one packet at worst.
    /// </summary>
    internal static int OutstandingBound(int subscribers) => BacklogBound + (8 * subscribers) + 64;

    /// <summary>
    /// Grows the pool, before the timed rounds, by as many idle packets as the fan-out can hold beyond the warm-up's:
    /// how far the workers fall behind depends on timing, so a timed round whose workers lagged more than any warm-up
    /// round's made the pool allocate (196 packets, 321,440 B, in one 2-core round of the 19:12 UTC run) on the
    /// forwarding thread. The pool's growth to its high-water mark is lazy creation, once; it belongs before timing.
    /// </summary>
    internal static void GrowPool(PacketPool pool, int packets)
    {
        var held = new PooledPacket[packets];
        for (int i = 0; i < held.Length; i++) held[i] = pool.Rent();
        foreach (var packet in held) packet.Release();
    }

    // Stopwatch ticks and CPU time the forwarding thread spent waiting for the workers (its thread only; read per round).
    private static long s_waitedTicks;
    private static long s_waitedCpuNanos;

    private static void WaitForWorkers(SendWorkerPool? workers, int bound)
    {
        if (workers is null || workers.Backlog <= bound) return;
        long start = Stopwatch.GetTimestamp();
        long cpuStart = ThisThreadCpuNanos();
        while (workers.Backlog > bound)
        {
            // Yield rather than spin: with --cores 1 the workers need this core.
            Thread.Yield();
        }
        s_waitedTicks += Stopwatch.GetTimestamp() - start;
        s_waitedCpuNanos += ThisThreadCpuNanos() - cpuStart;
    }

    /// <summary>
    /// CPU time a thread of this process has run (Linux <c>/proc/self/task/TID/schedstat</c>, first field, ns; 0
    /// elsewhere): read between timed rounds, it splits each thread's CPU per out-packet independently of how busy the
    /// machine is (time waiting for a core is not counted).
    /// </summary>
    private static long ThreadCpuNanos(int tid)
    {
        if (tid <= 0) return 0;
        try
        {
            string text = File.ReadAllText($"/proc/self/task/{tid}/schedstat");
            int end = text.IndexOf(' ');
            return long.TryParse(end > 0 ? text.AsSpan(0, end) : text, out long nanos) ? nanos : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>The calling thread's CPU time around each wait (the schedstat file's read would allocate on the measured thread); 0 where unavailable.</summary>
    private static long ThisThreadCpuNanos() => Math.Max(0, ReceiveLoopLoad.ThreadCpuNanoseconds());

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();

    private static void PinCurrentThread(int cpu)
    {
        ulong mask = 1UL << cpu;
        _ = SchedSetAffinity(0, (nint)sizeof(ulong), ref mask);
    }

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nint cpusetsize, ref ulong mask);

    /// <summary>UDP sockets on 127.0.0.1 with a 4 KiB receive buffer that nobody reads.</summary>
    private sealed class SinkSockets : IDisposable
    {
        private readonly Socket[] _sockets;

        public SinkSockets(int count)
        {
            _sockets = new Socket[count];
            for (int i = 0; i < count; i++)
            {
                _sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveBufferSize = 4096 };
                _sockets[i].Bind(new IPEndPoint(IPAddress.Loopback, 0));
            }
        }

        public int Count => _sockets.Length;

        public SocketAddress Address(int i) => _sockets[i].LocalEndPoint!.Serialize();

        public void Dispose()
        {
            foreach (var socket in _sockets) socket.Dispose();
        }
    }

    private sealed class BatchSink(byte[][] wire, int[] lengths, DigitalWeRoom.Sfu.Transport.Srtp.SrtpContext srtp) : IRtpSink
    {
        public int Count { get; set; }

        public bool TrySendRtp(Span<byte> buffer, int length)
        {
            buffer[..length].CopyTo(wire[Count]);
            if (!srtp.TryProtectRtp(wire[Count], length, out lengths[Count])) return false;
            Count++;
            return true;
        }
    }
}
