using System.Buffers.Binary;
using System.Diagnostics;
using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Stats;
using DigitalWeRoom.Sfu.Transport;
using DigitalWeRoom.Sfu.Transport.Buffers;

namespace DigitalWeRoom.Sfu.LoadTest.Participants;

/// <summary>
/// One synthetic participant: its publishing streams (sent by a <see cref="Runner.Pacer"/>) and, as a subscriber,
/// per-publisher receive statistics filled on its transport's receive thread from the payload stamps. The target
/// connects it (ICE controlling client, DTLS, SRTP) and sets <see cref="Connection"/>.
/// </summary>
internal sealed class SyntheticParticipant : IWebRtcTransportListener, IRtpSink
{
    private static readonly long TicksPerMicrosecond = Math.Max(1, Stopwatch.Frequency / 1_000_000);
    private readonly StreamReceiveStats?[] _received;
    private readonly VideoReceiveCheck?[] _videoChecks;
    private long _rtpReceived;
    private long _foreign;
    private long _rtcpReceived;
    private long _keyFrameRequests;
    private long _nacksReceived;
    private readonly int _videoPacketsPerFrame;
    private readonly int[] _layerPacketsPerFrame;
    private long _measureFrom;
    private long _windowApplied;

    public SyntheticParticipant(PlannedParticipant plan, MediaProfile profile, int publisherCount)
    {
        Plan = plan;
        // Every publisher of a run sends frames of the same number of packets (one profile; simulcast layers differ).
        _videoPacketsPerFrame = profile.Video && profile.Simulcast is not { Count: > 0 } ? Math.Clamp(profile.VideoPacketsPerFrame, 1, MaxFramePositions) : 0;
        _layerPacketsPerFrame = profile.Simulcast is { } sizes ? [.. sizes.Select(l => Math.Max(1, profile.ForLayer(l).VideoPacketsPerFrame))] : [];
        Reception = new ReceptionReporter(RtcpSsrc(plan), "dwr-lt-" + plan.Name);
        _received = new StreamReceiveStats?[Math.Max(1, publisherCount) * 2];
        _videoChecks = new VideoReceiveCheck?[Math.Max(1, publisherCount)];
        if (plan.Publishes)
        {
            if (profile.Audio) Audio = new SyntheticStream(plan.PublisherIndex, StreamKind.Audio, AudioSsrc(plan.PublisherIndex), profile);
            if (profile.Video && profile.Simulcast is { Count: > 0 } layers)
            {
                VideoLayers = [.. layers.Select((l, i) => new SyntheticStream(plan.PublisherIndex, StreamKind.Video, LayerSsrc(plan.PublisherIndex, i), profile, l, i))];
                Video = VideoLayers[0];
            }
            else if (profile.Video)
            {
                Video = new SyntheticStream(plan.PublisherIndex, StreamKind.Video, VideoSsrc(plan.PublisherIndex), profile);
                VideoLayers = [Video];
            }
        }
    }

    /// <summary>The camera's streams: its simulcast layers lowest first, or the one video stream; empty if none.</summary>
    public SyntheticStream[] VideoLayers { get; } = [];

    public bool Simulcast => VideoLayers.Length > 0 && VideoLayers[0].Layer >= 0;

    /// <summary>
    /// Tile size (device pixels) this subscriber shows a publisher's camera in, sent as <c>video-size</c> for every
    /// camera track it receives (null: none sent, the server forwards the top layer). Argument: publisher index.
    /// </summary>
    public Func<int, (int Width, int Height)>? TileFor { get; set; }

    public PlannedParticipant Plan { get; }

    /// <summary>Frame positions told apart by <see cref="VideoLatencyByPosition"/> (later packets share the last).</summary>
    public const int MaxFramePositions = 8;

    /// <summary>
    /// Latency of the (non-simulcast) video received, by the packet's position in its frame (0: first): a publisher
    /// sends a frame as a burst, so a path that handles the packets of a burst one after another shows as latency
    /// growing with the position. Created at the first video packet (sinks never receive).
    /// </summary>
    public LatencyHistogram[]? VideoLatencyByPosition { get; private set; }

    /// <summary>
    /// Latency of every packet received with our stamp over the whole run, joins and warm-up included (the measured
    /// window's figures are in the per-stream statistics): the report shows both, so a tail made by the start shows.
    /// </summary>
    public LatencyHistogram RunLatency { get; } = new();

    /// <summary>Where this probe's late packets are logged (<c>--late-log</c>); null: not logged.</summary>
    public LatePacketLog? LateLog { get; set; }

    public SyntheticStream? Audio { get; }

    public SyntheticStream? Video { get; }

    public IEnumerable<SyntheticStream> Streams => Audio is null ? VideoLayers : [Audio, .. VideoLayers];

    /// <summary>Sends protected RTP for this participant; set by the target once connected.</summary>
    public IParticipantConnection? Connection { get; set; }

    public double JoinMilliseconds { get; set; } = double.NaN;

    /// <summary>Milliseconds from the start of the join to each <see cref="JoinStep"/> (NaN: not reached or not recorded by the target).</summary>
    public double[] JoinSteps { get; } = [.. Enumerable.Repeat(double.NaN, JoinStepNames.All.Length)];

    public string? Error { get; set; }

    public bool Joined { get; set; }

    public bool Left { get; set; }

    public long RtpReceived => Interlocked.Read(ref _rtpReceived);

    public long ForeignPackets => Interlocked.Read(ref _foreign);

    public long RtcpReceived => Interlocked.Read(ref _rtcpReceived);

    public long KeyFrameRequests => Interlocked.Read(ref _keyFrameRequests);

    /// <summary>Generic NACKs (RFC 4585 §6.2.1) received for our streams; answered when the stream keeps its packets.</summary>
    public long NacksReceived => Interlocked.Read(ref _nacksReceived);

    /// <summary>Receiver reports about what this participant receives (sent by the target on a timer).</summary>
    public ReceptionReporter Reception { get; }

    /// <summary>Local UDP port of its media socket once connected (0 before); kernel drops on it are read from /proc/net/udp.</summary>
    public int LocalPort { get; set; }

    /// <summary>The RTCP sender SSRC: its audio SSRC if it publishes, else one of its own (RFC 3550 §8.1: any unique value).</summary>
    public static uint RtcpSsrc(PlannedParticipant plan) => plan.Publishes ? AudioSsrc(plan.PublisherIndex) : 0x30000000u + (uint)plan.Index;

    public static uint AudioSsrc(int publisher) => 0x10000000u + ((uint)publisher * 2);

    public static uint VideoSsrc(int publisher) => 0x10000001u + ((uint)publisher * 2);

    public static uint LayerSsrc(int publisher, int layer) => 0x20000000u + ((uint)publisher * VideoReceiveCheck.MaxLayers) + (uint)layer;

    /// <summary>The simulcast video check of what this subscriber got from <paramref name="publisher"/> (null before any packet).</summary>
    public VideoReceiveCheck? VideoCheckFrom(int publisher) => InWindow && (uint)publisher < (uint)_videoChecks.Length ? Volatile.Read(ref _videoChecks[publisher]) : null;

    /// <summary>
    /// The run's measured window begins at <paramref name="fromTicks"/> (any thread): loss, latency and jitter count
    /// only packets sent from then on, so the join phase and the warm-up (handshakes, JIT compilation, layers ramping
    /// up, cached key frames replayed to new subscribers) stay out of the figures, as the 60 s window of the quality
    /// bar says. Without a call the whole run counts.
    /// </summary>
    public void StartMeasuring(long fromTicks) => Volatile.Write(ref _measureFrom, fromTicks);

    /// <summary>Whether the statistics read now belong to the measured window (a packet arrived since it began), or the run has none.</summary>
    public bool InWindow => Volatile.Read(ref _measureFrom) == Volatile.Read(ref _windowApplied);

    /// <summary>The receive thread, at its first packet of a new window: statistics start again.</summary>
    private void StartWindow(long from)
    {
        Array.Clear(_received);
        foreach (var check in _videoChecks) check?.StartWindow();
        VideoLatencyByPosition = null;
        Volatile.Write(ref _windowApplied, from);
    }

    public StreamReceiveStats? ReceivedFrom(int publisher, StreamKind kind) =>
        InWindow && (uint)(publisher * 2 + (int)kind) < (uint)_received.Length ? _received[publisher * 2 + (int)kind] : null;

    public bool TrySendRtp(Span<byte> buffer, int length) => Connection?.TrySendRtp(buffer, length) ?? false;

    public void OnStateChanged(WebRtcTransport transport, WebRtcTransportState state)
    {
    }

    public void OnRtp(WebRtcTransport transport, PooledPacket packet)
    {
        long now = Stopwatch.GetTimestamp();
        if (Transport.Diagnostics.PathTraceHooks.Enabled) Transport.Diagnostics.PathTraceHooks.OnGeneratorReceived(packet.Span, now);
        OnRtp(packet.Span, now);
    }

    /// <summary>
    /// Microseconds from <paramref name="sendTicks"/> to the kernel's receive time of the datagram this thread is
    /// handling (<c>DWR_PATH_TRACE=1</c> only; -1 without it).
    /// </summary>
    private static long KernelLatency(long sendTicks) =>
        Transport.Diagnostics.PathTraceHooks.Enabled && Transport.Diagnostics.PathTraceHooks.LastKernelTicks is long kernel and not 0
            ? Math.Max(0, (kernel - sendTicks) / TicksPerMicrosecond) : -1;

    /// <summary>Accounts one decrypted RTP packet received at <paramref name="nowTicks"/>.</summary>
    public void OnRtp(ReadOnlySpan<byte> rtp, long nowTicks)
    {
        Interlocked.Increment(ref _rtpReceived);
        Reception.OnRtp(rtp);
        if (!SyntheticStamp.TryRead(rtp, out SyntheticStamp stamp) || (uint)stamp.Publisher >= (uint)(_received.Length / 2))
        {
            Interlocked.Increment(ref _foreign);
            return;
        }
        long from = Volatile.Read(ref _measureFrom);
        if (from != _windowApplied) StartWindow(from);
        bool inWindow = stamp.SendTicks >= from;
        RunLatency.Record((nowTicks - stamp.SendTicks) / TicksPerMicrosecond);
        if (stamp.IsSimulcast && stamp.Kind == StreamKind.Video)
        {
            VideoReceiveCheck check = _videoChecks[stamp.Publisher] ??= new VideoReceiveCheck();
            long layerLatency = (nowTicks - stamp.SendTicks) / TicksPerMicrosecond;
            check.OnPacket(rtp, stamp.Layer, stamp.KeyFrame, layerLatency, recordLatency: inWindow);
            if (LateLog is { } layerLog && layerLatency >= layerLog.ThresholdMicros)
            {
                // Every frame of a layer has the same packet count, and the stamp's sequence counts the layer's packets.
                int perFrame = (uint)stamp.Layer < (uint)_layerPacketsPerFrame.Length ? _layerPacketsPerFrame[stamp.Layer] : 1;
                layerLog.Record(new LatePacketLog.Entry(nowTicks, layerLatency, Plan.Index, stamp.Publisher, stamp.Kind, stamp.Layer, (int)(stamp.Sequence % perFrame), stamp.KeyFrame, stamp.Sequence, KernelLatency(stamp.SendTicks), Environment.CurrentManagedThreadId));
            }
            return;
        }
        long latency = (nowTicks - stamp.SendTicks) / TicksPerMicrosecond;
        if (LateLog is { } log && latency >= log.ThresholdMicros)
        {
            int position = stamp.Kind == StreamKind.Video && _videoPacketsPerFrame > 0 ? (int)(stamp.Sequence % _videoPacketsPerFrame) : -1;
            log.Record(new LatePacketLog.Entry(nowTicks, latency, Plan.Index, stamp.Publisher, stamp.Kind, -1, position, stamp.KeyFrame, stamp.Sequence, KernelLatency(stamp.SendTicks), Environment.CurrentManagedThreadId));
        }
        if (!inWindow) return; // sent before the measured window
        int slot = (stamp.Publisher * 2) + (int)stamp.Kind;
        StreamReceiveStats stats = _received[slot] ??= new StreamReceiveStats();
        stats.OnPacket(stamp.Sequence, latency);
        if (stamp.Kind == StreamKind.Video && _videoPacketsPerFrame > 0 && stamp.Sequence >= 0)
        {
            // The stamp's sequence counts every packet of the stream and every frame has the same packet count.
            var byPosition = VideoLatencyByPosition ??= [.. Enumerable.Range(0, _videoPacketsPerFrame).Select(_ => new LatencyHistogram())];
            byPosition[(int)(stamp.Sequence % _videoPacketsPerFrame)].Record(latency);
        }
    }

    public void OnRtcp(WebRtcTransport transport, PooledPacket packet) => OnRtcp(packet.Span);

    /// <summary>RFC 4585 §6.2.1: media SSRC at 8, then (PID, BLP) pairs; each lost packet is sent again if kept.</summary>
    private void OnNack(ReadOnlySpan<byte> nack)
    {
        uint ssrc = BinaryPrimitives.ReadUInt32BigEndian(nack[8..]);
        SyntheticStream? stream = Audio?.Ssrc == ssrc ? Audio : Array.Find(VideoLayers, v => v.Ssrc == ssrc);
        if (stream is null) return;
        Interlocked.Increment(ref _nacksReceived);
        for (int at = 12; at + 4 <= nack.Length; at += 4)
        {
            ushort pid = BinaryPrimitives.ReadUInt16BigEndian(nack[at..]);
            ushort blp = BinaryPrimitives.ReadUInt16BigEndian(nack[(at + 2)..]);
            stream.Retransmit(pid, this);
            for (int bit = 0; bit < 16; bit++)
            {
                if ((blp & (1 << bit)) != 0) stream.Retransmit((ushort)(pid + bit + 1), this);
            }
        }
    }

    /// <summary>RFC 4585 §6.3.1 PLI (PT 206, FMT 1) or RFC 5104 §4.3.1 FIR (FMT 4) for our video: next frame is a key frame.</summary>
    public void OnRtcp(ReadOnlySpan<byte> compound)
    {
        Interlocked.Increment(ref _rtcpReceived);
        while (compound.Length >= 4)
        {
            int length = (BinaryPrimitives.ReadUInt16BigEndian(compound[2..]) + 1) * 4;
            if (length > compound.Length) break;
            int fmt = compound[0] & 0x1F;
            if (compound[1] == 200 && length >= 28)
            {
                // RFC 3550 §6.4.1: sender SSRC at 4, NTP timestamp at 8 (for LSR/DLSR in our reports).
                Reception.OnSenderReport(BinaryPrimitives.ReadUInt32BigEndian(compound[4..]), BinaryPrimitives.ReadUInt64BigEndian(compound[8..]), Stopwatch.GetTimestamp());
            }
            if (compound[1] == 206 && (fmt == 1 || fmt == 4) && Video is not null && length >= 12)
            {
                // PLI names the media SSRC at 8 (RFC 4585 §6.3.1); FIR names it in its FCI at 12 (RFC 5104 §4.3.1).
                uint media = BinaryPrimitives.ReadUInt32BigEndian(compound[(fmt == 4 && length >= 16 ? 12 : 8)..]);
                Interlocked.Increment(ref _keyFrameRequests);
                SyntheticStream? layer = Array.Find(VideoLayers, v => v.Ssrc == media);
                if (layer is not null)
                {
                    layer.RequestKeyFrame();
                }
                else
                {
                    foreach (var v in VideoLayers) v.RequestKeyFrame();
                }
            }
            else if (compound[1] is 200 or 201 && Simulcast)
            {
                // SR/RR report blocks (RFC 3550 §6.4): 24 bytes each after the header (+ sender info for SR).
                int count = compound[0] & 0x1F;
                int at = compound[1] == 200 ? 28 : 8;
                for (int i = 0; i < count && at + 24 <= length; i++, at += 24)
                {
                    uint reported = BinaryPrimitives.ReadUInt32BigEndian(compound[at..]);
                    Array.Find(VideoLayers, v => v.Ssrc == reported)?.Acknowledge();
                }
            }
            else if (compound[1] == 205 && fmt == 1 && length >= 16)
            {
                OnNack(compound[..length]);
            }
            compound = compound[length..];
        }
    }
}

/// <summary>A connected participant as the runner sees it: a way to send, and a way to go.</summary>
internal interface IParticipantConnection : IAsyncDisposable
{
    bool TrySendRtp(Span<byte> buffer, int length);
}

/// <summary>The steps of a join through our server's signaling, in order (where join time goes).</summary>
internal enum JoinStep
{
    /// <summary>The signaling WebSocket is open.</summary>
    WebSocket,

    /// <summary>The server's <c>joined</c> arrived.</summary>
    Joined,

    /// <summary>The server's first offer arrived.</summary>
    Offer,

    /// <summary>ICE: the server answered a check (transport Checking; DTLS starts).</summary>
    IceChecked,

    /// <summary>DTLS done, SRTP keys derived.</summary>
    DtlsConnected,
}

internal static class JoinStepNames
{
    public static readonly string[] All = ["ws", "joined", "offer", "ice", "dtls"];
}
