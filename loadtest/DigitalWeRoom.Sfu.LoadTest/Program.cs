using System.CommandLine;
using System.Net;
using System.Text.Json;
using DigitalWeRoom.Sfu.LoadTest.Janus;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Runner;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Stats;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using DigitalWeRoom.Sfu.Transport.Udp;
using Spectre.Console;

namespace DigitalWeRoom.Sfu.LoadTest;

/// <summary>
/// dwr-loadtest: synthetic meeting participants on the project's own ICE/DTLS/SRTP client against our SFU (in this
/// process) or Janus VideoRoom, with loss/latency measured in the subscribers. Only loopback or test-namespace targets.
/// </summary>
internal static class Program
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("DigitalWeRoom.Sfu load generator (loopback / test namespaces only).");
        var common = new CommonOptions();

        var meetingN = new Option<int>("--participants", "-n") { Description = "participants, all publishing and subscribing", DefaultValueFactory = _ => 6 };
        var meeting = new Command("meeting", "N participants, everyone publishing, everyone subscribing to all others") { meetingN };
        common.AddTo(meeting);
        meeting.SetAction((pr, ct) => RunAsync(pr, common, d => ScenarioPlan.Meeting(pr.GetValue(meetingN), d, TimeSpan.FromMilliseconds(pr.GetValue(common.JoinSpacing))), ct));

        var bp = new Option<int>("--publishers", "-p") { Description = "publishers", DefaultValueFactory = _ => 1 };
        var bs = new Option<int>("--subscribers", "-s") { Description = "subscribers", DefaultValueFactory = _ => 10 };
        var broadcast = new Command("broadcast", "P publishers, S subscribers to all of them") { bp, bs };
        common.AddTo(broadcast);
        broadcast.SetAction((pr, ct) => RunAsync(pr, common, d => ScenarioPlan.Broadcast(pr.GetValue(bp), pr.GetValue(bs), d, TimeSpan.FromMilliseconds(pr.GetValue(common.JoinSpacing))), ct));

        var rr = new Option<int>("--rooms", "-r") { Description = "rooms", DefaultValueFactory = _ => 4 };
        var rn = new Option<int>("--per-room", "-n") { Description = "participants per room", DefaultValueFactory = _ => 4 };
        var rooms = new Command("rooms", "R rooms of n participants (meetings)") { rr, rn };
        common.AddTo(rooms);
        rooms.SetAction((pr, ct) => RunAsync(pr, common, d => ScenarioPlan.Rooms(pr.GetValue(rr), pr.GetValue(rn), d, TimeSpan.FromMilliseconds(pr.GetValue(common.JoinSpacing))), ct));

        var cs = new Option<int>("--seats", "-n") { Description = "seats in the room", DefaultValueFactory = _ => 4 };
        var cl = new Option<double>("--lifetime") { Description = "seconds each participant stays", DefaultValueFactory = _ => 5 };
        var churn = new Command("churn", "participants join and leave continuously (room size crosses 2↔3)") { cs, cl };
        common.AddTo(churn);
        churn.SetAction((pr, ct) => RunAsync(pr, common, d => ScenarioPlan.Churn(pr.GetValue(cs), TimeSpan.FromSeconds(pr.GetValue(cl)), d, pr.GetValue(common.MaxParticipants)), ct));

        var lsN = new Option<int>("--subscribers", "-s") { Description = "subscribers", DefaultValueFactory = _ => 100 };
        var livestream = new Command("livestream", "1 simulcast camera (720p-shaped q/h/f) + microphone -> N subscribers showing it in a 160x90 tile (LiveKit's 1 -> N)") { lsN };
        common.AddTo(livestream);
        livestream.SetAction((pr, ct) => RunAsync(pr, common, d => ScenarioPlan.Livestream(pr.GetValue(lsN), d, TimeSpan.FromMilliseconds(pr.GetValue(common.JoinSpacing))), ct));

        var lmN = new Option<int>("--participants", "-n") { Description = "participants, all publishing simulcast and subscribing", DefaultValueFactory = _ => 20 };
        var largeMeeting = new Command("large-meeting", "N simulcast publishers; each page shows the speaker on f and 8 others on q, hears all (server: Sfu__Media__LastN=9)") { lmN };
        common.AddTo(largeMeeting);
        largeMeeting.SetAction((pr, ct) => RunAsync(pr, common, d => ScenarioPlan.LargeMeeting(pr.GetValue(lmN), d, TimeSpan.FromMilliseconds(pr.GetValue(common.JoinSpacing))), ct));

        var auP = new Option<int>("--publishers", "-p") { Description = "microphones", DefaultValueFactory = _ => 10 };
        var auN = new Option<int>("--subscribers", "-s") { Description = "listeners", DefaultValueFactory = _ => 100 };
        var audio = new Command("audio", "P microphones (no cameras) -> N listeners (LiveKit's audio 10 -> N)") { auP, auN };
        common.AddTo(audio);
        audio.SetAction((pr, ct) => RunAsync(pr, common, d => ScenarioPlan.Audio(pr.GetValue(auP), pr.GetValue(auN), d, TimeSpan.FromMilliseconds(pr.GetValue(common.JoinSpacing))), ct));

        var jsRunning = new Option<int>("--participants", "-n") { Description = "the running meeting (room 0)", DefaultValueFactory = _ => 6 };
        var jsStorm = new Option<int>("--subscribers", "-s") { Description = "subscribers joining room 1 in the storm", DefaultValueFactory = _ => 500 };
        var jsAt = new Option<double>("--storm-at") { Description = "seconds before the storm starts", DefaultValueFactory = _ => 5 };
        var jsSpan = new Option<double>("--storm-seconds") { Description = "the storm's joins are spread over this many seconds", DefaultValueFactory = _ => 10 };
        var joinStorm = new Command("join-storm", "a meeting runs in room 0 while a storm of subscribers joins room 1; loss per room") { jsRunning, jsStorm, jsAt, jsSpan };
        common.AddTo(joinStorm);
        joinStorm.SetAction((pr, ct) => RunAsync(pr, common, d => ScenarioPlan.JoinStorm(pr.GetValue(jsRunning), pr.GetValue(jsStorm), TimeSpan.FromSeconds(pr.GetValue(jsAt)), TimeSpan.FromSeconds(pr.GetValue(jsSpan)), d), ct));

        var fbSubs = new Option<int>("--subscribers", "-s") { DefaultValueFactory = _ => 10 };
        var fbSeconds = new Option<double>("--seconds") { DefaultValueFactory = _ => 3 };
        var fbCpu = new Option<int>("--cpu") { Description = "pin the forwarding thread to this CPU (-1: no pinning)", DefaultValueFactory = _ => 0 };
        var fbLive = new Option<bool>("--live-clients") { Description = "send to the live clients (their receive threads wake per packet) instead of non-reading sink sockets like the reference" };
        var fbQueued = new Option<bool>("--queued") { Description = "always go through each subscriber's queue (no inline send on the fan-out thread)" };
        var fbLatency = new Option<bool>("--latency") { Description = "then measure in→out latency at 50 % and 80 % of the saturation just measured (open loop)" };
        var fbWorkers = new Option<int>("--workers") { Description = "partitions of the fan-out (Sfu:Media:SendWorkers): 1 = all on the forwarding thread; N = it plus N-1 send worker threads", DefaultValueFactory = _ => 1 };
        var fbCores = new Option<int>("--cores") { Description = "with --cpu: the send workers are pinned to cpu + i % cores (1: all threads on one core)", DefaultValueFactory = _ => 1 };
        var fbShared = new Option<bool>("--shared-socket") { Description = "send workers write the port's own socket too (no socket per worker, Sfu:Udp lane sockets off): the A of an A/B" };
        var fbWeight = new Option<int>("--inline-weight") { Description = "Sfu:Media:SendWorkerInlineWeight: a transport sent inline counts this many times when transports are spread over partitions", DefaultValueFactory = _ => new DigitalWeRoom.Sfu.Media.Routing.SendWorkerOptions().InlineWeight };
        var fbAudio = new Option<bool>("--audio") { Description = "forward the publisher's microphone (Opus-sized packets, 50/s) instead of its camera (1,200-byte packets): the per-packet fixed costs of an audio fan-out" };
        var forwardBench = new Command("forward-bench", "saturate our forwarding path: 1 publisher → N subscribers (in-process, loopback), on one thread or spread over send workers") { fbSubs, fbSeconds, fbCpu, fbLive, fbQueued, fbLatency, fbWorkers, fbCores, fbShared, fbWeight, fbAudio };
        forwardBench.SetAction(async (pr, ct) =>
        {
            // Plain lines (not Spectre, which wraps at 80 columns without a terminal): scripts parse them.
            var r = await ForwardBench.RunAsync(pr.GetValue(fbSubs), pr.GetValue(fbSeconds), pr.GetValue(fbCpu), sinks: !pr.GetValue(fbLive), inline: !pr.GetValue(fbQueued), latencyFractions: pr.GetValue(fbLatency) ? [0.5, 0.8] : null, workers: pr.GetValue(fbWorkers), cores: pr.GetValue(fbCores), laneSockets: !pr.GetValue(fbShared), inlineWeight: pr.GetValue(fbWeight), audio: pr.GetValue(fbAudio)).ConfigureAwait(false);
            Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"RESULT forward-bench subscribers={pr.GetValue(fbSubs)} media={(pr.GetValue(fbAudio) ? "audio" : "video")} workers={pr.GetValue(fbWorkers)} cores={pr.GetValue(fbCores)} lane_sockets={!pr.GetValue(fbShared)} inline_weight={pr.GetValue(fbWeight)} sinks={!pr.GetValue(fbLive)} inline={!pr.GetValue(fbQueued)} sendmmsg={EgressBatch.IsSupported} out_pps={r.OutPacketsPerSecond:F0} seconds={r.Seconds:F2} out_packets={r.OutPackets} allocated_bytes={r.AllocatedBytes} worker_allocated_bytes={r.WorkerAllocatedBytes} pool_growth={r.PoolGrowth} gen0={r.Gen0} warm_rounds={r.WarmRounds} warm_jitted_last={r.LastWarmJitted} worker_items={r.WorkerItems} worker_drains={r.WorkerDrains} forwarder_cpu_ns_per_out={(r.OutPackets > 0 ? r.ForwarderCpuNanos / (double)r.OutPackets : 0):F0} worker_cpu_ns_per_item={(r.WorkerItems > 0 ? r.WorkerCpuNanos / (double)r.WorkerItems : 0):F0} cpu_ns_per_out={(r.OutPackets > 0 ? (r.ForwarderCpuNanos + r.WorkerCpuNanos) / (double)r.OutPackets : 0):F0} forwarder_waiting={r.ForwarderWaitingShare:F3} forwarder_work_ns_per_in={(r.OutPackets > 0 ? (r.ForwarderCpuNanos - r.ForwarderWaitCpuNanos) * (double)pr.GetValue(fbSubs) / r.OutPackets : 0):F0} worker_work_ns_per_in={(r.OutPackets > 0 ? r.WorkerCpuNanos * (double)pr.GetValue(fbSubs) / r.OutPackets : 0):F0}"));
            foreach (var point in r.Latency)
            {
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"LATENCY fraction={point.Fraction:F2} in_pps={point.InPacketsPerSecond:F0} packets={point.Packets} p50_us={point.P50Micros:F0} p99_us={point.P99Micros:F0} max_us={point.MaxMicros:F0}"));
            }
            return 0;
        });
        root.Subcommands.Add(forwardBench);
        root.Subcommands.Add(meeting);
        root.Subcommands.Add(broadcast);
        root.Subcommands.Add(rooms);
        root.Subcommands.Add(churn);
        root.Subcommands.Add(livestream);
        root.Subcommands.Add(largeMeeting);
        root.Subcommands.Add(audio);
        root.Subcommands.Add(joinStorm);
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }

    private static async Task<int> RunAsync(ParseResult pr, CommonOptions o, Func<TimeSpan, ScenarioPlan> makePlan, CancellationToken ct)
    {
        ScenarioPlan plan;
        MediaProfile media;
        Func<SyntheticParticipant, int, (int Width, int Height)>? tileFor;
        try
        {
            plan = makePlan(TimeSpan.FromSeconds(pr.GetValue(o.Duration)));
            if (plan.Participants.Count > pr.GetValue(o.MaxParticipants))
            {
                throw new ArgumentException($"{plan.Participants.Count} participants exceed --max-participants {pr.GetValue(o.MaxParticipants)}");
            }
            media = new MediaProfile
            {
                Audio = !pr.GetValue(o.NoAudio),
                Video = !pr.GetValue(o.NoVideo),
                VideoBitrate = pr.GetValue(o.VideoBitrate),
                VideoFps = pr.GetValue(o.Fps),
                Simulcast = pr.GetValue(o.Simulcast) ? SimulcastLayer.WithBitrates(ParseList(pr.GetValue(o.SimulcastBitrates)!)) : null,
            };
            media = CapacityScenarios.MediaFor(plan.Kind, media);
            media.Validate();
            tileFor = TileOption(pr.GetValue(o.Tile), pr.GetValue(o.SpeakerTile));
            if (tileFor is null && CapacityScenarios.TilesFor(plan.Kind) is { } tiles) tileFor = (p, publisher) => tiles(p.Plan.PublisherIndex, publisher);
        }
        catch (ArgumentException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return 2;
        }

        bool allowNetns = pr.GetValue(o.AllowNetns);
        IPAddress bind = IPAddress.Parse(pr.GetValue(o.Bind)!);
        if (!TargetPolicy.IsAllowed(bind, allowNetns, out string why))
        {
            AnsiConsole.MarkupLineInterpolated($"[red]--bind: {why}[/]");
            return 3;
        }
        ILoadTarget target;
        SharedReceivePump? pump = null;
        string kind = pr.GetValue(o.Target)!;
        if (kind == "inprocess")
        {
            target = new InProcessTarget(bind, receiveSockets: pr.GetValue(o.ServerSockets));
        }
        else if (kind == "janus")
        {
            var url = new Uri(pr.GetValue(o.JanusUrl)!);
            if (!TargetPolicy.IsAllowedUri(url, allowNetns, out why))
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--janus-url: {why}[/]");
                return 3;
            }
            target = new JanusTarget(new JanusTargetOptions { Url = url, BindAddress = bind, AllowNetnsAddress = allowNetns, MaxBitrate = Math.Max(media.VideoBitrate * 2, 2_000_000) });
        }
        else if (kind == "server")
        {
            var url = new Uri(pr.GetValue(o.ServerUrl)!);
            if (!TargetPolicy.IsAllowedUri(url, allowNetns, out why))
            {
                AnsiConsole.MarkupLineInterpolated($"[red]--server-url: {why}[/]");
                return 3;
            }
            int receiveThreads = pr.GetValue(o.ReceiveThreads);
            pump = receiveThreads > 0 ? new SharedReceivePump(receiveThreads) : null;
            // A --bind other than loopback (a veth of a namespace the script made): the clients' sockets bind there.
            Func<SyntheticParticipant, IPAddress?>? bindFor = IPAddress.IsLoopback(bind) ? null : _ => bind;
            target = new ServerTarget(url, allowNetns) { ReceivePump = pump, KeepMessages = false, DtlsHandshakeNice = pr.GetValue(o.HandshakeNice), BindAddressFor = bindFor };
        }
        else
        {
            AnsiConsole.MarkupLineInterpolated($"[red]unknown --target {kind} (inprocess | server | janus)[/]");
            return 2;
        }

        // Sinks need a target whose clients this process controls socket by socket: our server's (ServerTarget).
        int probes = pr.GetValue(o.Probes);
        if (kind == "server") plan = plan.WithProbes(probes);
        var options = new RunOptions
        {
            Media = media,
            Warmup = TimeSpan.FromSeconds(pr.GetValue(o.Warmup)),
            MeasureFor = pr.GetValue(o.Measure) is double measure and > 0 ? TimeSpan.FromSeconds(measure) : null,
            JoinConcurrency = pr.GetValue(o.JoinConcurrency),
            Pacers = pr.GetValue(o.Pacers),
            ServerPid = pr.GetValue(o.ServerPid) is int pid and > 0 ? pid : null,
            TileFor = tileFor,
            LateLog = pr.GetValue(o.LateLog) is { Length: > 0 } ? new LatePacketLog((long)(pr.GetValue(o.LateMs) * 1000)) : null,
        };
        AnsiConsole.MarkupLineInterpolated($"[bold]{plan.Kind}[/] against [bold]{target.Name}[/]: {plan.Participants.Count} participants, {plan.PublisherCount} publishers, {plan.ProbeCount} probes + {plan.SinkCount} sinks, {plan.Duration.TotalSeconds:0.#} s, {media.PacketsPerSecond:0} pkt/s per publisher, steady fan-out {plan.SteadyStateFanout} subscriptions");
        RunResult result;
        await using (target.ConfigureAwait(false))
        {
            var runner = new LoadRunner(plan, target, options);
            var table = new Table().AddColumns("elapsed", "connected", "failed", "received", "fwd pkt/s", "server CPU %");
            table.AddRow("0", "0", "0", "0", "0", "0");
            result = await AnsiConsole.Live(table).StartAsync(async ctx =>
            {
                return await runner.RunAsync(p =>
                {
                    table.UpdateCell(0, 0, $"{p.Elapsed.TotalSeconds:0.0}/{p.Duration.TotalSeconds:0} s");
                    table.UpdateCell(0, 1, $"{p.Connected}/{p.Planned}");
                    table.UpdateCell(0, 2, p.Failed.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    table.UpdateCell(0, 3, p.Received.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
                    table.UpdateCell(0, 4, p.ForwardedPerSecond.ToString("N0", System.Globalization.CultureInfo.InvariantCulture));
                    table.UpdateCell(0, 5, p.CpuPercent.ToString("0", System.Globalization.CultureInfo.InvariantCulture));
                    ctx.Refresh();
                }, ct).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }
        pump?.Dispose();

        var summary = new Table().AddColumns("metric", "value");
        foreach (var (name, value) in Rows(result)) summary.AddRow(name, value);
        AnsiConsole.Write(summary);
        foreach (string e in result.Errors) AnsiConsole.MarkupLineInterpolated($"[yellow]{e}[/]");
        string? json = pr.GetValue(o.Json);
        if (!string.IsNullOrEmpty(json))
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(result, JsonOptions), ct).ConfigureAwait(false);
            AnsiConsole.MarkupLineInterpolated($"written {json}");
        }
        if (pr.GetValue(o.LateLog) is { Length: > 0 } latePath && options.LateLog is { } late)
        {
            await using (var writer = File.CreateText(latePath))
            {
                late.WriteCsv(writer);
            }
            AnsiConsole.MarkupLineInterpolated($"written {latePath}: {late.Count} late packets (+{late.Overflow} not kept)");
        }
        return result.Failed == 0 ? 0 : 1;
    }

    private static int[] ParseList(string text) =>
        [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(x => int.Parse(x, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary><c>--tile WxH</c> for every camera, <c>--speaker-tile WxH</c> for publisher 0's (a speaker view); null = no video-size sent.</summary>
    private static Func<SyntheticParticipant, int, (int Width, int Height)>? TileOption(string? tile, string? speaker)
    {
        static (int, int)? Size(string? text) => string.IsNullOrEmpty(text) ? null
            : text.Split('x') is [var w, var h] && int.TryParse(w, System.Globalization.CultureInfo.InvariantCulture, out int width) && int.TryParse(h, System.Globalization.CultureInfo.InvariantCulture, out int height)
              && width is >= 0 and <= 16384 && height is >= 0 and <= 16384 ? (width, height)
            : throw new ArgumentException($"tile size '{text}' must be WxH (0..16384)");
        var all = Size(tile);
        var top = Size(speaker);
        if (all is null && top is null) return null;
        var rest = all ?? (1280, 720);
        return (_, publisher) => publisher == 0 && top is { } t ? t : rest;
    }

    private static IEnumerable<(string, string)> Rows(RunResult r)
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        yield return ("connected / failed", $"{r.Connected} / {r.Failed} (of {r.Planned})");
        yield return ("probes / sinks", $"{r.Probes} / {r.Sinks}: loss, latency, jitter and layers below are measured on the {r.Probes} probes only, loss and latency over the measured window; sinks' sockets are left unread");
        yield return ("join ms p50 / p95 / p99 / max; join phase", string.Format(c, "{0:0.0} / {1:0.0} / {2:0.0} / {3:0.0}; all steady joined in {4:0.0} s", r.JoinMsP50, r.JoinMsP95, r.JoinMsP99, r.JoinMsMax, r.JoinPhaseSeconds));
        if (r.JoinStepsMs.Count > 0)
        {
            yield return ("join steps, ms from start p50/p99", string.Join(", ", r.JoinStepsMs.Select(x => string.Format(c, "{0} {1:0}/{2:0}", x.Key, x.Value[0], x.Value[1]))));
        }
        yield return ("packets sent / received", string.Format(c, "{0:N0} / {1:N0}", r.PacketsSent, r.PacketsReceived));
        if (r.LossPercentByRoom.Count > 1)
        {
            yield return ("loss by room (probes)", string.Join(", ", r.LossPercentByRoom.Select(x => string.Format(c, "room {0}: {1:0.###} %", x.Key, x.Value))));
            yield return ("latency by room (probes) ms p50 / p99", string.Join(", ", r.LatencyMsByRoom.Select(x => string.Format(c, "room {0}: {1:0.00} / {2:0.00}", x.Key, x.Value[0], x.Value[1]))));
        }
        yield return ("loss", string.Format(c, "{0:N0} of {1:N0} ({2:0.###} %), dup {3}, reordered {4}, missing streams {5}", r.PacketsLost, r.PacketsExpected, r.LossPercent, r.Duplicates, r.Reordered, r.MissingStreams));
        if (r.MissingStreams > 0) yield return ("missing streams (first 8; all listed in --json)", string.Join(", ", r.MissingStreamList.Take(8)));
        if (r.VideoLayerPacketsReceived.Count > 0)
        {
            yield return ("simulcast video received by layer (pkts)", string.Join(" / ", r.VideoLayerPacketsReceived.Select(x => x.ToString("N0", c))) + string.Format(c, "; switches {0} (not on a key frame {1}, seq not continuous {2})", r.LayerSwitches, r.LayerSwitchesNotOnKeyFrame, r.LayerSwitchesWithSeqGap));
        }
        yield return ("forwarded pkt/s (measured window)", string.Format(c, "{0:N0} over {1:0.0} s", r.ForwardedPacketsPerSecond, r.MeasuredSeconds));
        yield return ("latency ms p50 / p95 / p99 / max", string.Format(c, "{0:0.000} / {1:0.000} / {2:0.000} / {3:0.000}", r.LatencyMsP50, r.LatencyMsP95, r.LatencyMsP99, r.LatencyMsMax));
        yield return ("latency ms p99, whole run (joins and warm-up too)", r.RunLatencyMsP99.ToString("0.000", c));
        yield return ("latency ms p50 / p99: audio; video", string.Format(c, "{0:0.000} / {1:0.000}; {2:0.000} / {3:0.000}", r.AudioLatencyMsP50, r.AudioLatencyMsP99, r.VideoLatencyMsP50, r.VideoLatencyMsP99));
        if (r.VideoLatencyMsP50ByFramePosition.Count > 1)
        {
            yield return ("video latency ms p50 by packet of frame", string.Join(" / ", r.VideoLatencyMsP50ByFramePosition.Select(x => x.ToString("0.000", c))));
        }
        yield return ("jitter ms (mean of streams)", string.Format(c, "{0:0.000}", r.JitterMsMean));
        yield return ("server CPU", string.Format(c, "{0:0.00} s = {1:0} % (pid {2}{3}), RSS {4:0} MB", r.ServerCpuSeconds, r.ServerCpuPercent, r.ServerPid, r.ServerInProcess ? ", in-process: includes the load generator" : "", r.ServerRssMb));
        yield return ("CPU-µs per forwarded packet", string.Format(c, "{0:0.00}", r.CpuMicrosPerForwardedPacket));
        yield return ("server drops; kernel UDP rcvbuf drops (all / probes / sinks)", string.Join(", ", r.ServerDrops.Select(d => $"{d.Key} {d.Value}")) + $"; {r.UdpReceiveBufferErrors} / {r.ProbeSocketDrops} / {r.SinkSocketDrops}");
        yield return ("load generator CPU (this process)", string.Format(c, "{0:0.00} s, {1:0.00} µs per forwarded packet", r.LoadGeneratorCpuSeconds, r.LoadGeneratorCpuMicrosPerForwardedPacket));
        yield return ("load generator", string.Format(c, "pacer late ticks {0}, skipped frames {1}, send failures {2}, loadavg {3:0.0}", r.PacerLateTicks, r.SkippedFrames, r.SendFailures, r.LoadAverage1m));
        yield return ("load generator GC (measured window)", string.Format(c, "gen0/1/2 {0}/{1}/{2}, paused {3:0.0} ms", r.LoadGeneratorGc.Gen0, r.LoadGeneratorGc.Gen1, r.LoadGeneratorGc.Gen2, r.LoadGeneratorGc.PauseMs));
    }

    private sealed class CommonOptions
    {
        public Option<double> Duration { get; } = new("--duration", "-d") { Description = "run length in seconds (stops by itself; max 1800)", DefaultValueFactory = _ => 10 };
        public Option<string> Target { get; } = new("--target") { Description = "inprocess | server | janus", DefaultValueFactory = _ => "inprocess" };
        public Option<string> JanusUrl { get; } = new("--janus-url") { Description = "Janus HTTP API", DefaultValueFactory = _ => "http://127.0.0.1:8088/janus" };
        public Option<string> ServerUrl { get; } = new("--server-url") { Description = "our server's signaling WebSocket", DefaultValueFactory = _ => "ws://127.0.0.1:7880/ws" };
        public Option<string> Bind { get; } = new("--bind") { Description = "local address for the synthetic clients", DefaultValueFactory = _ => "127.0.0.1" };
        public Option<bool> AllowNetns { get; } = new("--allow-netns-address") { Description = "allow 10.77.0.0/16 (only inside a network namespace your script created)" };
        public Option<int> ServerPid { get; } = new("--server-pid") { Description = "sample this process's CPU/memory from /proc" };
        public Option<int> VideoBitrate { get; } = new("--video-bitrate") { DefaultValueFactory = _ => 1_500_000 };
        public Option<int> Fps { get; } = new("--fps") { DefaultValueFactory = _ => 30 };
        public Option<bool> NoVideo { get; } = new("--no-video");
        public Option<bool> NoAudio { get; } = new("--no-audio");
        public Option<double> Warmup { get; } = new("--warmup") { Description = "seconds after the steady participants joined before measuring", DefaultValueFactory = _ => 2 };
        public Option<double> Measure { get; } = new("--measure") { Description = "end the run this many seconds after the measurement starts (steady joins + warm-up); -d stays the bound", DefaultValueFactory = _ => 0 };
        public Option<double> JoinSpacing { get; } = new("--join-spacing-ms") { Description = "delay between planned joins", DefaultValueFactory = _ => 0 };
        public Option<int> JoinConcurrency { get; } = new("--join-concurrency") { DefaultValueFactory = _ => 8 };
        public Option<int> Pacers { get; } = new("--pacers") { DefaultValueFactory = _ => 1 };
        public Option<int> ServerSockets { get; } = new("--server-sockets") { Description = "in-process target: UDP sockets (SO_REUSEPORT, one receive thread each) on the SFU port", DefaultValueFactory = _ => 1 };
        public Option<int> HandshakeNice { get; } = new("--handshake-nice") { Description = "server target: Linux nice (1..19) of the clients' DTLS handshake threads; 0: this process's priority", DefaultValueFactory = _ => DigitalWeRoom.Sfu.Transport.ThreadNiceness.JoinWork };
        public Option<int> ReceiveThreads { get; } = new("--receive-threads") { Description = "server target: read all clients' sockets from this many epoll threads (0: one thread per client)", DefaultValueFactory = _ => 0 };
        public Option<int> MaxParticipants { get; } = new("--max-participants") { DefaultValueFactory = _ => 2000 };
        public Option<int> Probes { get; } = new("--probes") { Description = "server target: subscribers that receive and measure (the first N to join); every other subscriber is a sink that joins fully, then leaves its socket unread", DefaultValueFactory = _ => 20 };
        public Option<string> Json { get; } = new("--json") { Description = "write the result as JSON here" };
        public Option<bool> Simulcast { get; } = new("--simulcast") { Description = "publish the camera as 3 simulcast layers q/h/f (RFC 8853; --target server only)" };
        public Option<string> SimulcastBitrates { get; } = new("--simulcast-bitrates") { Description = "bit/s of q,h,f", DefaultValueFactory = _ => "100000,500000,1500000" };
        public Option<string> Tile { get; } = new("--tile") { Description = "subscribers send video-size WxH for every camera (e.g. 320x180)" };
        public Option<string> SpeakerTile { get; } = new("--speaker-tile") { Description = "video-size WxH for publisher 0's camera (a speaker view, e.g. 1280x720)" };
        public Option<string> LateLog { get; } = new("--late-log") { Description = "write the probes' late packets (time, latency, stream, layer, position in frame) to this CSV" };
        public Option<double> LateMs { get; } = new("--late-ms") { Description = "latency from which a packet goes to --late-log", DefaultValueFactory = _ => 5 };

        public void AddTo(Command command)
        {
            foreach (Option option in new Option[] { Duration, Target, ServerUrl, JanusUrl, Bind, AllowNetns, ServerPid, VideoBitrate, Fps, NoVideo, NoAudio, Warmup, Measure, JoinSpacing, JoinConcurrency, Pacers, ServerSockets, ReceiveThreads, HandshakeNice, MaxParticipants, Probes, Json, Simulcast, SimulcastBitrates, Tile, SpeakerTile, LateLog, LateMs })
            {
                command.Options.Add(option);
            }
        }
    }
}
