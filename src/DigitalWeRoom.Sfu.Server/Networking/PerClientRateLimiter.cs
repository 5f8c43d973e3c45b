using System.Net;
using System.Threading.RateLimiting;

namespace DigitalWeRoom.Sfu.Server.Networking;

/// <summary>
/// At most <see cref="PerMinute"/> permits per client per minute (fixed window, no queue). Clients are keyed by
/// <see cref="ClientAddressKey"/> (IPv6 by /64), so one host cannot step around the limit by changing addresses
/// inside its own prefix. Used for joins (<see cref="Signaling.JoinRateLimiter"/>) and room summaries.
/// </summary>
internal class PerClientRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress> _limiter;

    public PerClientRateLimiter(int perMinute)
    {
        PerMinute = perMinute;
        _limiter = PartitionedRateLimiter.Create<IPAddress, IPAddress>(ip => RateLimitPartition.GetFixedWindowLimiter(ip,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    public int PerMinute { get; }

    public bool TryAcquire(IPAddress? address)
    {
        using var lease = _limiter.AttemptAcquire(ClientAddressKey.For(address));
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
