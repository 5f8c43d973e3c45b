using System.Diagnostics.Metrics;

namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>
/// The <c>sfu_*</c> series of capacity bounds reached (<see cref="CapacityTotals"/>), observed at scrape time like the
/// other counters of <see cref="SfuMetrics"/>: no label per transport or per client, only the bounded limiter name.
/// </summary>
internal static class CapacityMetrics
{
    public const string Limiter = "limiter";
    public const string RoomSummary = "room_summary";
    public const string Join = "join";

    public static void Register(Meter media, Meter transport, Meter signaling, MetricTags tags, TelemetrySources sources)
    {
        media.CreateObservableCounter("sfu_send_queue_overflows", () => tags.Tagged(sources.ReadCapacity().SendQueueOverflows),
            description: "Media packets a send worker dropped, oldest first, because that transport's own send queue was full " +
                "(all transports together; a slow or new subscriber loses, the others do not). Also in sfu_packets_dropped_total reason=queue_overflow.");
        signaling.CreateObservableCounter("sfu_rate_limiter_too_many_clients", () => ObserveLimiters(tags, sources),
            description: "Requests refused because a per-client rate limiter already tracked its maximum number of clients " +
                "(a new client waits until windows end), by limiter (room_summary: GET /api/rooms/{room}/summary, 503; join).");
        transport.CreateObservableCounter("sfu_ice_early_checks_held", () => tags.Tagged(sources.ReadCapacity().EarlyChecksHeld),
            description: "ICE connectivity checks held because they arrived before the answer that creates their transport (RFC 8838 races).");
        transport.CreateObservableCounter("sfu_ice_early_checks_replayed", () => tags.Tagged(sources.ReadCapacity().EarlyChecksReplayed),
            description: "Held early ICE checks answered once their transport was created (verified like any check, RFC 8445 section 7.3).");
        transport.CreateObservableCounter("sfu_ice_early_checks_expired", () => tags.Tagged(sources.ReadCapacity().EarlyChecksExpired),
            description: "Held early ICE checks never answered: overwritten by newer ones while unclaimed, or too old when their transport came.");
    }

    private static Measurement<long>[] ObserveLimiters(MetricTags tags, TelemetrySources sources)
    {
        var totals = sources.ReadCapacity();
        return [tags.M(totals.RoomSummaryTooManyClients, MetricTags.Tag(Limiter, RoomSummary)), tags.M(totals.JoinTooManyClients, MetricTags.Tag(Limiter, Join))];
    }
}
