namespace DigitalWeRoom.Sfu.LoadTest.Runner;

/// <summary>Everything a run measured; written as the final table and the JSON file.</summary>
internal sealed record RunResult
{
    public required string Target { get; init; }
    public required string Scenario { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required double DurationSeconds { get; init; }
    public required double MeasuredSeconds { get; init; }
    public required int Planned { get; init; }
    /// <summary>Subscribers that receive, decrypt and measure: loss, latency, jitter, layers and missing streams are theirs alone.</summary>
    public int Probes { get; init; }
    /// <summary>Subscribers whose sockets are left unread once connected (the server does the full work for them).</summary>
    public int Sinks { get; init; }
    /// <summary>Kernel receive-buffer drops on the probes' sockets (load generator falling behind; whole run).</summary>
    public long ProbeSocketDrops { get; init; }
    /// <summary>Kernel drops on the sinks' sockets: what the server forwarded to them, minus a few kilobytes of buffer.</summary>
    public long SinkSocketDrops { get; init; }
    public required int Connected { get; init; }
    public required int Failed { get; init; }
    public required double JoinMsP50 { get; init; }
    public required double JoinMsP95 { get; init; }
    public required double JoinMsP99 { get; init; }
    public required double JoinMsMax { get; init; }
    /// <summary>Per join step (ws, joined, offer, ice, dtls): p50 and p99 of the milliseconds from the join's start (server target).</summary>
    public IReadOnlyDictionary<string, double[]> JoinStepsMs { get; init; } = new Dictionary<string, double[]>();
    /// <summary>Seconds from the start until every steady participant had connected or failed (NaN: not within the run).</summary>
    public double JoinPhaseSeconds { get; init; } = double.NaN;
    public required long PacketsSent { get; init; }
    public required long PacketsReceived { get; init; }
    public required long PacketsExpected { get; init; }
    public required long PacketsLost { get; init; }
    public required double LossPercent { get; init; }
    /// <summary>Loss measured on each room's probes (room number → %), e.g. a running meeting during a join storm.</summary>
    public IReadOnlyDictionary<string, double> LossPercentByRoom { get; init; } = new Dictionary<string, double>();
    /// <summary>Latency p50 and p99 (ms) of each room's probes over the same window: in a join storm, room 0 is the running meeting, room 1 the storm's.</summary>
    public IReadOnlyDictionary<string, double[]> LatencyMsByRoom { get; init; } = new Dictionary<string, double[]>();
    public required long Duplicates { get; init; }
    public required long Reordered { get; init; }
    public required long ServerForwardedPackets { get; init; }
    public required double ForwardedPacketsPerSecond { get; init; }
    public required double LatencyMsP50 { get; init; }
    public required double LatencyMsP95 { get; init; }
    public required double LatencyMsP99 { get; init; }
    public required double LatencyMsMax { get; init; }
    /// <summary>The probes' latency p99 over the whole run, joins and warm-up included (the figures above: the measured window).</summary>
    public double RunLatencyMsP99 { get; init; }
    /// <summary>Latency of audio packets alone (one packet per 20 ms, never part of a burst).</summary>
    public double AudioLatencyMsP50 { get; init; }
    public double AudioLatencyMsP99 { get; init; }
    /// <summary>Latency of video packets alone (each frame leaves the publisher as a burst of packets).</summary>
    public double VideoLatencyMsP50 { get; init; }
    public double VideoLatencyMsP99 { get; init; }
    /// <summary>Video latency p50 by the packet's position in its frame (first packet first; non-simulcast video only).</summary>
    public IReadOnlyList<double> VideoLatencyMsP50ByFramePosition { get; init; } = [];
    public required double JitterMsMean { get; init; }
    /// <summary>Publisher streams a subscriber should have received but got nothing of (steady-state members only).</summary>
    public required int MissingStreams { get; init; }
    /// <summary>The first <see cref="MissingListed"/> of them, "p{probe} &lt;- p{publisher} {kind}" (participant indices).</summary>
    public IReadOnlyList<string> MissingStreamList { get; init; } = [];
    public const int MissingListed = 200;
    public required int? ServerPid { get; init; }
    public required bool ServerInProcess { get; init; }
    public required double ServerCpuSeconds { get; init; }
    public required double ServerCpuPercent { get; init; }
    public required double ServerRssMb { get; init; }
    public required double CpuMicrosPerForwardedPacket { get; init; }
    /// <summary>CPU of this process (the load generator; with the in-process target also the server) over the measured window.</summary>
    public required double LoadGeneratorCpuSeconds { get; init; }
    public required double LoadGeneratorCpuMicrosPerForwardedPacket { get; init; }
    /// <summary>
    /// This process's garbage collections over the measured window: a blocking collection stops every receive thread
    /// at once, so every probe's packets queue in their sockets meanwhile (a tail of all streams together).
    /// </summary>
    public GeneratorGc LoadGeneratorGc { get; init; }
    public required long PacerLateTicks { get; init; }
    public required long SkippedFrames { get; init; }
    public required long SendFailures { get; init; }
    public required double LoadAverage1m { get; init; }
    /// <summary>Kernel UDP receive-buffer drops in this namespace during the run (any socket: clients or server).</summary>
    public long UdpReceiveBufferErrors { get; init; }
    public IReadOnlyDictionary<string, long> ServerDrops { get; init; } = new Dictionary<string, long>();
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>Simulcast: video packets every subscriber received, summed, by layer (lowest first); empty without simulcast.</summary>
    public IReadOnlyList<long> VideoLayerPacketsReceived { get; init; } = [];

    public long LayerSwitches { get; init; }

    public long LayerSwitchesNotOnKeyFrame { get; init; }

    public long LayerSwitchesWithSeqGap { get; init; }
}
