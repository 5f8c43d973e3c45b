using System.Diagnostics;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Stats;
using DigitalWeRoom.Sfu.LoadTest.Targets;

namespace DigitalWeRoom.Sfu.LoadTest.Runner;

internal sealed record RunOptions
{
    public MediaProfile Media { get; init; } = new();

    /// <summary>Time after the steady-state participants joined before throughput and CPU are measured.</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Time after publishers stop for the last packets to arrive.</summary>
    /// <summary>
    /// If set: the run ends this long after the measurement starts (steady participants joined + warm-up), or at the
    /// plan's end if that comes first; so the plan's duration is only a bound and a slow join phase is not measured.
    /// </summary>
    public TimeSpan? MeasureFor { get; init; }

    public TimeSpan Drain { get; init; } = TimeSpan.FromMilliseconds(500);

    public int JoinConcurrency { get; init; } = 8;

    public int Pacers { get; init; } = 1;

    public TimeSpan PacerPeriod { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Sample the server process's CPU from /proc; off where /proc is missing.</summary>
    public bool SampleProcess { get; init; } = OperatingSystem.IsLinux();

    /// <summary>Sample this process instead of the target's own idea of its server (<c>--server-pid</c>).</summary>
    public int? ServerPid { get; init; }

    /// <summary>Tile size each subscriber shows each publisher's camera in (simulcast <c>video-size</c>); null = none sent.</summary>
    public Func<SyntheticParticipant, int, (int Width, int Height)>? TileFor { get; init; }

    /// <summary>Where the probes log their late packets (<c>--late-log</c>); null: not logged.</summary>
    public LatePacketLog? LateLog { get; init; }
}

internal readonly record struct Progress(TimeSpan Elapsed, TimeSpan Duration, int Connected, int Failed, int Planned, long Received, double ForwardedPerSecond, double CpuPercent);

/// <summary>
/// Runs one plan against one target: joins participants on schedule (bounded concurrency), paces their media,
/// makes them leave on schedule, stops everything at the plan's duration and computes the <see cref="RunResult"/>.
/// </summary>
internal sealed partial class LoadRunner(ScenarioPlan plan, ILoadTarget target, RunOptions options)
{
    private const string NoServerCount = "the server's forwarded count could not be read: forwarded pkt/s counts the probes' packets only";

    public IReadOnlyList<SyntheticParticipant> Participants { get; private set; } = [];

    public async Task<RunResult> RunAsync(Action<Progress>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Media.Validate();
        int publishers = plan.PublisherCount;
        var participants = plan.Participants.Select(p => new SyntheticParticipant(p, options.Media, publishers)).ToArray();
        if (options.TileFor is { } tileFor)
        {
            foreach (var p in participants) p.TileFor = publisher => tileFor(p, publisher);
        }
        foreach (var p in participants.Where(p => p.Plan.Probe)) p.LateLog = options.LateLog;
        Participants = participants;
        var pacers = Enumerable.Range(0, Math.Max(1, options.Pacers)).Select(_ => new Pacer(options.PacerPeriod)).ToArray();
        ProcessSampler? sampler = options.SampleProcess && (options.ServerPid ?? target.ServerPid) is int pid ? new ProcessSampler(pid) : null;
        ProcessSampler? self = options.SampleProcess ? new ProcessSampler(Environment.ProcessId) : null;
        ProcessSampler.Sample selfStart = default;
        var errors = new List<string>();
        using var joinLimiter = new SemaphoreSlim(options.JoinConcurrency);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        DateTimeOffset startedAt = DateTimeOffset.UtcNow;
        long rcvbufErrors = ProcessSampler.UdpReceiveBufferErrors();
        var serverDropsAtStart = await target.ReadServerProcessDropsAsync().ConfigureAwait(false);
        var clock = Stopwatch.StartNew();

        var tasks = participants.Select(p => RunParticipantAsync(p, pacers[p.Plan.Index % pacers.Length], clock, joinLimiter, errors, stop.Token)).ToArray();
        var steadyJoins = participants.Zip(tasks).Where(x => x.First.Plan.LeaveAt is null).Select(x => x.Second.Joined).ToArray();

        // Measurement window: from (steady participants joined + warm-up) to the plan's end. Loss and latency may open
        // earlier (a join storm's, at the storm's start: ScenarioPlan.LossWindowFrom).
        var steady = Task.WhenAll(steadyJoins);
        var earlyLossWindow = plan.LossWindowFrom is { } lossFrom ? OpenLossWindowAtAsync(participants, options.LateLog, clock, lossFrom, stop.Token) : null;
        var endOfRun = Task.Delay(plan.Duration, stop.Token);
        await Task.WhenAny(steady, endOfRun).ConfigureAwait(false);
        // The join phase: the first participant's planned join to the last steady one connected (or failed).
        double joinPhase = steady.IsCompleted ? clock.Elapsed.TotalSeconds : double.NaN;
        var measureStartAt = clock.Elapsed + options.Warmup;
        if (options.MeasureFor is { } measureFor && steady.IsCompleted && !endOfRun.IsCompleted)
        {
            endOfRun = Task.WhenAny(endOfRun, Task.Delay(options.Warmup + measureFor, stop.Token)).Unwrap();
        }
        ProcessSampler.Sample cpuStart = default, cpuEnd = default;
        GeneratorGc gcStart = default;
        long fwdStart = 0;
        double measureStart = double.NaN, lastRate = 0;
        long lastFwd = 0;
        double lastCpu = sampler?.Read().CpuSeconds ?? 0;
        var lastAt = clock.Elapsed;
        var lastFwdAt = lastAt;
        for (int tick = 0; !endOfRun.IsCompleted; tick++)
        {
            await Task.WhenAny(endOfRun, Task.Delay(500, CancellationToken.None)).ConfigureAwait(false);
            var now = clock.Elapsed;
            var sample = sampler?.Read() ?? default;
            bool starts = double.IsNaN(measureStart) && now >= measureStartAt && !endOfRun.IsCompleted;
            // The real server's count comes from its /metrics: read it at the window's edges and every 2 s for the live view.
            double fwdRate = double.NaN;
            if (starts || tick % 4 == 0)
            {
                long fwd = await ForwardedSoFarAsync(participants).ConfigureAwait(false);
                double dtFwd = (now - lastFwdAt).TotalSeconds;
                fwdRate = dtFwd > 0 ? (fwd - lastFwd) / dtFwd : 0;
                lastFwd = fwd;
                lastFwdAt = now;
                if (starts) fwdStart = fwd;
            }
            if (starts)
            {
                measureStart = now.TotalSeconds;
                // Loss and latency from here on only (packets sent in the window), on every probe.
                if (earlyLossWindow is null) OpenLossWindow(participants, options.LateLog);
                cpuStart = sample;
                selfStart = self?.Read() ?? default;
                gcStart = GeneratorGc.Now();
            }
            double dt = (now - lastAt).TotalSeconds;
            if (!double.IsNaN(fwdRate)) lastRate = fwdRate;
            progress?.Invoke(new Progress(now, plan.Duration, participants.Count(p => p.Joined), participants.Count(p => p.Error is not null), participants.Length,
                participants.Sum(p => p.RtpReceived), lastRate, dt > 0 && sampler is not null ? (sample.CpuSeconds - lastCpu) / dt * 100 : 0));
            lastCpu = sample.CpuSeconds;
            lastAt = now;
        }
        double measureEnd = clock.Elapsed.TotalSeconds;
        long fwdEnd = await ForwardedSoFarAsync(participants).ConfigureAwait(false);
        var serverDropsAtEnd = await target.ReadServerProcessDropsAsync().ConfigureAwait(false);
        cpuEnd = sampler?.Read() ?? default;
        var selfEnd = self?.Read() ?? default;
        var gcEnd = GeneratorGc.Now();
        if (double.IsNaN(measureStart))
        {
            // Too short for a warm-up: measure the whole run.
            measureStart = 0;
            fwdStart = 0;
        }

        foreach (var pacer in pacers) await pacer.DisposeAsync().ConfigureAwait(false);
        await Task.Delay(options.Drain, CancellationToken.None).ConfigureAwait(false);
        double selfCpu = self is null ? double.NaN : selfEnd.CpuSeconds - selfStart.CpuSeconds;
        var result = Compute(participants, startedAt, clock.Elapsed.TotalSeconds, measureEnd - measureStart, fwdEnd - fwdStart, cpuStart, cpuEnd, sampler, pacers, errors) with
        {
            LoadGeneratorCpuSeconds = selfCpu,
            LoadGeneratorGc = gcEnd - gcStart,
            JoinPhaseSeconds = joinPhase,
            JoinStepsMs = JoinStepNames.All.Select((name, i) => (name, values: participants.Select(p => p.JoinSteps[i]).Where(v => !double.IsNaN(v)).ToArray()))
                .Where(x => x.values.Length > 0).ToDictionary(x => x.name, x => new[] { Percentiles.Of(x.values, 50), Percentiles.Of(x.values, 99) }),
            ServerDrops = WithServerProcessDrops(target.DropsByReason, serverDropsAtStart, serverDropsAtEnd),
            UdpReceiveBufferErrors = ProcessSampler.UdpReceiveBufferErrors() - rcvbufErrors,
            ProbeSocketDrops = SocketDrops(participants.Where(p => p.Plan.Probe)),
            SinkSocketDrops = SocketDrops(participants.Where(p => p.Plan.Sink)),
            LoadGeneratorCpuMicrosPerForwardedPacket = fwdEnd - fwdStart > 0 ? selfCpu * 1e6 / (fwdEnd - fwdStart) : double.NaN,
        };
        await stop.CancelAsync().ConfigureAwait(false);
        foreach (var t in tasks)
        {
            try
            {
                await t.Done.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return result;

        async Task<long> ForwardedSoFarAsync(SyntheticParticipant[] ps)
        {
            long server = await target.ReadForwardedPacketsAsync().ConfigureAwait(false);
            if (server >= 0) return server;
            if (ps.Any(p => p.Plan.Sink))
            {
                lock (errors) if (!errors.Contains(NoServerCount)) errors.Add(NoServerCount);
            }
            return ps.Sum(p => p.RtpReceived);
        }
    }

    private (Task Joined, Task Done) RunParticipantAsync(SyntheticParticipant p, Pacer pacer, Stopwatch clock, SemaphoreSlim limiter, List<string> errors, CancellationToken ct)
    {
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return (joined.Task, RunAsync());

        async Task RunAsync()
        {
            try
            {
                var wait = p.Plan.JoinAt - clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, ct).ConfigureAwait(false);
                await limiter.WaitAsync(ct).ConfigureAwait(false);
                long t0 = Stopwatch.GetTimestamp();
                bool failed = false;
                try
                {
                    await target.JoinAsync(p, ct).ConfigureAwait(false);
                    p.JoinMilliseconds = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                    p.Joined = true;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    p.Error = e.Message;
                    lock (errors) if (errors.Count < 20) errors.Add($"{p.Plan.Name}: {e.Message}");
                    failed = true;
                }
                finally
                {
                    limiter.Release();
                    joined.TrySetResult();
                }
                if (failed)
                {
                    // Give up as a page would: leave, so the server stops serving (and forwarding to) a half-joined client.
                    await target.LeaveAsync(p).ConfigureAwait(false);
                    return;
                }
                foreach (var s in p.Streams) pacer.Add(s, p);
                if (p.Plan.LeaveAt is { } leaveAt)
                {
                    var stay = leaveAt - clock.Elapsed;
                    if (stay > TimeSpan.Zero) await Task.Delay(stay, ct).ConfigureAwait(false);
                    foreach (var s in p.Streams) pacer.Remove(s);
                    await target.LeaveAsync(p).ConfigureAwait(false);
                    p.Left = true;
                }
            }
            finally
            {
                joined.TrySetResult();
            }
        }
    }

    /// <summary>Loss and latency count from now on (packets sent from now), on every probe.</summary>
    private static void OpenLossWindow(SyntheticParticipant[] participants, LatePacketLog? lateLog)
    {
        long windowFrom = Stopwatch.GetTimestamp();
        foreach (var p in participants) p.StartMeasuring(windowFrom);
        if (lateLog is not null) lateLog.MeasureStartTicks = windowFrom;
    }

    private static async Task OpenLossWindowAtAsync(SyntheticParticipant[] participants, LatePacketLog? lateLog, Stopwatch clock, TimeSpan at, CancellationToken ct)
    {
        var wait = at - clock.Elapsed;
        try
        {
            if (wait > TimeSpan.Zero) await Task.Delay(wait, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        OpenLossWindow(participants, lateLog);
    }

    private static LatencyHistogram Merged(IEnumerable<LatencyHistogram> histograms)
    {
        var all = new LatencyHistogram();
        foreach (var h in histograms) all.Add(h);
        return all;
    }

    private RunResult Compute(SyntheticParticipant[] participants, DateTimeOffset startedAt, double duration, double measured, long forwarded,
        ProcessSampler.Sample cpuStart, ProcessSampler.Sample cpuEnd, ProcessSampler? sampler, Pacer[] pacers, List<string> errors)
    {
        var byPublisher = participants.Where(p => p.Plan.Publishes).ToDictionary(p => p.Plan.PublisherIndex);
        var latency = new LatencyHistogram();
        var audioLatency = new LatencyHistogram();
        var videoLatency = new LatencyHistogram();
        long expected = 0, lost = 0, duplicates = 0, reordered = 0;
        var byRoom = new RoomBreakdown();
        double jitterSum = 0;
        int jitterCount = 0, missing = 0;
        var missingList = new List<string>();
        foreach (var s in participants.Where(p => p.Joined && p.Plan.Probe))
        {
            long expectedBefore = expected, lostBefore = lost;
            var room = byRoom.For(s.Plan.Room);
            foreach (var pubPlan in plan.PublishersFor(s.Plan))
            {
                var pub = byPublisher[pubPlan.PublisherIndex];
                if (!pub.Joined) continue;
                bool bothSteady = s.Plan.LeaveAt is null && pub.Plan.LeaveAt is null;
                // A camera off the subscriber's page (tile 0 x 0) is held back by the server's last-N: not expected.
                bool shown = options.TileFor is not { } tile || tile(s, pub.Plan.PublisherIndex) is not (0, 0);
                if (pub.Simulcast && shown)
                {
                    // One output stream whatever the layer: loss = RTP sequence gaps on it (VideoReceiveCheck).
                    var check = s.VideoCheckFrom(pub.Plan.PublisherIndex);
                    if (check is null || check.WindowPackets == 0)
                    {
                        if (bothSteady) missing += Missing(missingList, s, pub, StreamKind.Video);
                    }
                    else
                    {
                        expected += check.WindowPackets + check.WindowSequenceGaps;
                        lost += check.WindowSequenceGaps;
                        duplicates += check.WindowDuplicates;
                        reordered += check.WindowReordered;
                        latency.Add(check.Latency);
                        room.Latency.Add(check.Latency);
                        videoLatency.Add(check.Latency);
                    }
                }
                foreach (var stream in pub.Streams.Where(st => st.Kind != StreamKind.Video || (!pub.Simulcast && shown)))
                {
                    var stats = s.ReceivedFrom(pub.Plan.PublisherIndex, stream.Kind);
                    if (stats is null || !stats.Any)
                    {
                        if (bothSteady) missing += Missing(missingList, s, pub, stream.Kind);
                        continue;
                    }
                    long lastSent = bothSteady ? stream.LastSentSequence : -1;
                    expected += stats.Expected(lastSent);
                    lost += stats.Lost(lastSent);
                    duplicates += stats.Duplicates;
                    reordered += stats.Reordered;
                    latency.Add(stats.Latency);
                    room.Latency.Add(stats.Latency);
                    (stream.Kind == StreamKind.Audio ? audioLatency : videoLatency).Add(stats.Latency);
                    jitterSum += stats.JitterMicros;
                    jitterCount++;
                }
            }
            room.Expected += expected - expectedBefore;
            room.Lost += lost - lostBefore;
        }
        var byPosition = new List<LatencyHistogram>();
        foreach (var positions in participants.Where(p => p.Joined && p.Plan.Probe).Select(p => p.VideoLatencyByPosition).OfType<LatencyHistogram[]>())
        {
            for (int i = 0; i < positions.Length; i++)
            {
                if (byPosition.Count <= i) byPosition.Add(new LatencyHistogram());
                byPosition[i].Add(positions[i]);
            }
        }
        var joins = participants.Where(p => p.Joined).Select(p => p.JoinMilliseconds).ToArray();
        var checks = participants.Where(p => p.Plan.Probe).SelectMany(s => Enumerable.Range(0, plan.PublisherCount).Select(s.VideoCheckFrom)).OfType<VideoReceiveCheck>().ToArray();
        double cpu = sampler is null ? double.NaN : cpuEnd.CpuSeconds - cpuStart.CpuSeconds;
        return new RunResult
        {
            Target = target.Name,
            Scenario = plan.Kind.ToString().ToLowerInvariant(),
            StartedAt = startedAt,
            DurationSeconds = duration,
            MeasuredSeconds = measured,
            Planned = participants.Length,
            Probes = participants.Count(p => p.Plan.Probe),
            LossPercentByRoom = byRoom.LossPercent(),
            LatencyMsByRoom = byRoom.LatencyMs(),
            Sinks = participants.Count(p => p.Plan.Sink),
            Connected = participants.Count(p => p.Joined),
            Failed = participants.Count(p => p.Error is not null),
            JoinMsP50 = Percentiles.Of(joins, 50),
            JoinMsP95 = Percentiles.Of(joins, 95),
            JoinMsP99 = Percentiles.Of(joins, 99),
            JoinMsMax = joins.Length == 0 ? double.NaN : joins.Max(),
            PacketsSent = participants.SelectMany(p => p.Streams).Sum(s => s.PacketsSent),
            PacketsReceived = participants.Sum(p => p.RtpReceived),
            PacketsExpected = expected,
            PacketsLost = lost,
            LossPercent = expected == 0 ? 0 : 100.0 * lost / expected,
            Duplicates = duplicates,
            Reordered = reordered,
            ServerForwardedPackets = forwarded,
            ForwardedPacketsPerSecond = measured > 0 ? forwarded / measured : 0,
            LatencyMsP50 = latency.Percentile(50) / 1000.0,
            LatencyMsP95 = latency.Percentile(95) / 1000.0,
            LatencyMsP99 = latency.Percentile(99) / 1000.0,
            LatencyMsMax = latency.Count == 0 ? 0 : latency.Max / 1000.0,
            RunLatencyMsP99 = Merged(participants.Where(p => p.Joined && p.Plan.Probe).Select(p => p.RunLatency)).Percentile(99) / 1000.0,
            AudioLatencyMsP50 = audioLatency.Percentile(50) / 1000.0,
            AudioLatencyMsP99 = audioLatency.Percentile(99) / 1000.0,
            VideoLatencyMsP50 = videoLatency.Percentile(50) / 1000.0,
            VideoLatencyMsP99 = videoLatency.Percentile(99) / 1000.0,
            VideoLatencyMsP50ByFramePosition = [.. byPosition.Select(h => h.Percentile(50) / 1000.0)],
            JitterMsMean = jitterCount == 0 ? 0 : jitterSum / jitterCount / 1000.0,
            MissingStreams = missing,
            MissingStreamList = missingList,
            ServerPid = sampler?.Pid,
            ServerInProcess = sampler?.Pid == Environment.ProcessId,
            ServerCpuSeconds = cpu,
            ServerCpuPercent = measured > 0 ? cpu / measured * 100 : double.NaN,
            ServerRssMb = cpuEnd.RssBytes / 1048576.0,
            CpuMicrosPerForwardedPacket = forwarded > 0 ? cpu * 1e6 / forwarded : double.NaN,
            LoadGeneratorCpuSeconds = double.NaN,
            LoadGeneratorCpuMicrosPerForwardedPacket = double.NaN,
            PacerLateTicks = pacers.Sum(p => p.LateTicks),
            SkippedFrames = participants.SelectMany(p => p.Streams).Sum(s => s.SkippedFrames),
            SendFailures = participants.SelectMany(p => p.Streams).Sum(s => s.SendFailures),
            LoadAverage1m = ReadLoadAverage(),
            Errors = [.. errors, .. ErrorsAfterJoin(participants)],
            VideoLayerPacketsReceived = checks.Length == 0 ? [] : [.. Enumerable.Range(0, options.Media.Simulcast?.Count ?? 0).Select(l => checks.Sum(c => c.PacketsOfLayer(l)))],
            LayerSwitches = checks.Sum(c => c.Switches.Count),
            LayerSwitchesNotOnKeyFrame = checks.Sum(c => c.Switches.Count(x => !x.AtKeyFrame)),
            LayerSwitchesWithSeqGap = checks.Sum(c => c.Switches.Count(x => !x.SequenceContinuous)),
        };
    }
}
