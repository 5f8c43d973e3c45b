using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Server.Networking;
using DigitalWeRoom.Sfu.Transport;

namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>
/// Where the server hit one of its capacity bounds, summed over every owner (read at scrape time, never per packet):
/// items the send workers dropped from a full per-transport inbox, clients the per-client rate limiters refused because
/// their table was full, and ICE checks held for a transport not yet created (RFC 8838 lets checks race the answer).
/// </summary>
internal sealed class CapacityTotals
{
    public long SendQueueOverflows;
    public long RoomSummaryTooManyClients;
    public long JoinTooManyClients;
    public long EarlyChecksHeld;
    public long EarlyChecksReplayed;
    public long EarlyChecksExpired;

    public void Add(CapacityTotals other)
    {
        SendQueueOverflows += other.SendQueueOverflows;
        RoomSummaryTooManyClients += other.RoomSummaryTooManyClients;
        JoinTooManyClients += other.JoinTooManyClients;
        EarlyChecksHeld += other.EarlyChecksHeld;
        EarlyChecksReplayed += other.EarlyChecksReplayed;
        EarlyChecksExpired += other.EarlyChecksExpired;
    }
}

/// <summary>One owner of capacity counters, registered with <see cref="TelemetrySources"/> for as long as it lives.</summary>
internal interface ICapacitySource
{
    void AddTo(CapacityTotals totals);
}

/// <summary>A send worker pool's inbox overflows (drop-oldest), all its transports together.</summary>
internal sealed class SendWorkerCapacity(SendWorkerPool pool) : ICapacitySource
{
    public void AddTo(CapacityTotals totals) => totals.SendQueueOverflows += pool.QueueOverflows;
}

/// <summary>A transport directory's early ICE checks (<see cref="TransportDirectory.EarlyCheckCounts"/>).</summary>
internal sealed class EarlyCheckCapacity(TransportDirectory directory) : ICapacitySource
{
    public void AddTo(CapacityTotals totals)
    {
        var counts = directory.EarlyCheckCounts;
        totals.EarlyChecksHeld += counts.Held;
        totals.EarlyChecksReplayed += counts.Replayed;
        totals.EarlyChecksExpired += counts.Expired;
    }
}

/// <summary>The clients a per-client rate limiter (room summaries, or joins) refused because its table was full.</summary>
internal sealed class LimiterCapacity(PerClientRateLimiter limiter, bool roomSummaries) : ICapacitySource
{
    public void AddTo(CapacityTotals totals)
    {
        if (roomSummaries)
        {
            totals.RoomSummaryTooManyClients += limiter.RefusedTooManyClients;
        }
        else
        {
            totals.JoinTooManyClients += limiter.RefusedTooManyClients;
        }
    }
}
