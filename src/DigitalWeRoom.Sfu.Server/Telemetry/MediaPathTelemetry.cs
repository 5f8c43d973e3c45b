using System.Net.Sockets;
using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Server.Health;
using DigitalWeRoom.Sfu.Rooms.SfuPath;

namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>
/// Reads one room router's counters at scrape time: publishers' streams (packets/octets in by kind,
/// jitter), subscribers' streams (packets/octets out by kind), NACKs received and sent, key-frame requests
/// sent, retransmissions (packet counts only, under video: the router counts neither their bytes nor their kind;
/// NACK is negotiated for video) and, given the room, its sessions' DTLS failures and consent expiries. Producers and consumers that closed keep their last counts, so totals never go backwards.
/// Called under <see cref="TelemetrySources"/>' lock (never concurrently).
/// </summary>
internal sealed class RouterTrafficSource(Router router, SfuRoomMedia? room = null) : ITrafficSource
{
    private readonly Dictionary<object, StreamCounts> _last = new(ReferenceEqualityComparer.Instance);
    private readonly TrafficTotals _closed = new();

    public void AddTo(TrafficTotals totals)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var producer in router.Producers)
        {
            var slot = TrafficTotals.Slot(producer.Kind == MediaKind.Audio ? TrafficKind.Audio : TrafficKind.Video, Transmission.Original);
            var receiver = producer.Receiver;
            Remember(seen, producer, new(slot, receiver.PacketsReceived, receiver.OctetsReceived, false, receiver.PacketsLost, receiver.PacketsExpected));
            if (receiver.PacketsReceived > 0 && receiver.ClockRate > 0)
            {
                totals.JitterSecondsSum += (double)receiver.Jitter / receiver.ClockRate;
                totals.JitterStreams++;
            }

            foreach (var consumer in producer.Consumers)
            {
                var stream = consumer.Stream;
                Remember(seen, consumer, new(slot, stream.PacketCount, stream.OctetCount, true, stream.RemotePacketsLost, 0));
            }
        }

        // Streams gone since the last read: their last counts move to the closed totals.
        foreach (var gone in _last.Keys.Where(k => !seen.Contains(k)).ToArray())
        {
            _last[gone].AddTo(_closed);
            _last.Remove(gone);
        }

        totals.Add(_closed);
        foreach (var counts in _last.Values)
        {
            counts.AddTo(totals);
        }

        var counters = router.Counters;
        var retransmit = TrafficTotals.Slot(TrafficKind.Video, Transmission.Retransmit);
        totals.PacketsOut[retransmit] += counters.RetransmittedPackets;
        totals.PacketsIn[retransmit] += counters.RtxPacketsRepaired;
        totals.NacksIn += router.NacksReceived;
        totals.NacksOut += counters.NacksSent;
        totals.PlisOut += counters.KeyFrameRequestsSent;
        totals.PlisIn += counters.PlisReceived;
        totals.FirsIn += counters.FirsReceived;
        totals.BandwidthPauses += counters.BandwidthPauses;
        totals.BandwidthResumes += counters.BandwidthResumes;
        totals.RetransmissionsOverBudget += counters.RetransmissionsOverBudget;
        totals.ProbePackets += counters.ProbePackets;
        totals.ProbeBytes += counters.ProbeBytes;
        if (room is not null)
        {
            totals.DtlsFailures += room.DtlsFailures;
            totals.ConsentExpiries += room.ConsentExpiries;
            totals.IceFailures += room.IceFailures;
        }
    }

    private void Remember(HashSet<object> seen, object stream, StreamCounts counts)
    {
        seen.Add(stream);
        _last[stream] = counts;
    }

    /// <summary>One stream's counts at the last read. Lost: publisher streams, RFC 3550 A.3; subscriber streams, their latest RR.</summary>
    private readonly record struct StreamCounts(int Slot, long Packets, long Octets, bool Out, long Lost, long Expected)
    {
        public void AddTo(TrafficTotals totals)
        {
            (Out ? totals.PacketsOut : totals.PacketsIn)[Slot] += Packets;
            (Out ? totals.BytesOut : totals.BytesIn)[Slot] += Octets;
            if (Out)
            {
                totals.PacketsLostOut += Lost;
            }
            else
            {
                totals.PacketsLost += Lost;
                totals.PacketsExpected += Expected;
            }
        }
    }
}

/// <summary>A room router's RTT reports and sampled forward latencies, recorded into the <see cref="SfuMetrics"/> histograms.</summary>
internal sealed class RouterMediaTelemetry(SfuMetrics metrics) : IMediaTelemetry
{
    public void OnRtt(TimeSpan rtt) => metrics.RecordRtt(rtt);

    public void OnForwardLatency(TimeSpan latency) => metrics.RecordForwardLatency(latency);
}

/// <summary>
/// Wraps the rooms' media factory: each server-path room's router is registered with the metrics
/// (its drop counters and a <see cref="RouterTrafficSource"/>) for as long as the room lives.
/// </summary>
/// <remarks>
/// <paramref name="telemetry"/> is asked for when the first room is created, not at construction: the metrics depend on
/// the room registry, which depends on this factory.
/// </remarks>
internal sealed class TelemetryMediaSessionFactory(IMediaSessionFactory inner, TelemetrySources sources, Func<IMediaTelemetry?>? telemetry = null) : IMediaSessionFactory
{
    public IMediaSessionFactory Inner => inner;

    public IRoomMedia CreateRoom(string roomName)
    {
        var media = inner.CreateRoom(roomName);
        if (media is not SfuRoomMedia sfu)
        {
            return media;
        }

        sfu.Router.Telemetry ??= telemetry?.Invoke();
        var registrations = new[] { sources.Add(sfu.Router.Counters.Drops), sources.Add(new RouterTrafficSource(sfu.Router, sfu)) };
        return new TrackedRoomMedia(media, registrations);
    }

    private sealed class TrackedRoomMedia(IRoomMedia inner, IDisposable[] registrations) : IRoomMedia
    {
        public ISfuSession? CreateSession(string participantId, ISfuSessionHost host) => inner.CreateSession(participantId, host);

        public long PacketsForwarded => inner.PacketsForwarded;

        public void UseVideoCodec(string codec) => inner.UseVideoCodec(codec);

        public async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync();
            foreach (var r in registrations)
            {
                r.Dispose();
            }
        }
    }
}

/// <summary>
/// Reports the shared media UDP socket to readiness (<see cref="MediaSocketState"/>) and registers its
/// drop counters, its directory's early ICE checks and the host's send worker overflows. A port that cannot be bound is retried every few seconds; the node is not ready meanwhile.
/// </summary>
internal sealed class MediaSocketTelemetry(IServiceProvider services, MediaSocketState state, TelemetrySources sources,
    TimeProvider time, ILogger<MediaSocketTelemetry> logger) : BackgroundService
{
    internal static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetService<SfuMediaHost>() is not { } host)
        {
            return; // No server media path: readiness stays "not configured".
        }

        state.ReportStarting();
        using var workers = sources.Add(new SendWorkerCapacity(host.SendWorkerPool));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var endpoint = state.Track(() => host.Endpoint, e => e.LocalEndPoint);
                using (sources.Add(endpoint.Drops))
                using (sources.Add(new EarlyCheckCapacity(endpoint.Directory)))
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, time, stoppingToken);
                }
            }
            catch (SocketException e)
            {
                logger.LogDebug(e, "Media socket not bound; retrying in {Seconds} s", RetryInterval.TotalSeconds);
                await Task.Delay(RetryInterval, time, stoppingToken).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
        }
    }
}
