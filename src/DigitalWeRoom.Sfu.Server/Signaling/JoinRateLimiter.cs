using System.Net;
using System.Threading.RateLimiting;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>
/// Joins per client per minute (fixed window), so one address cannot churn rooms. Clients are keyed by
/// <see cref="Networking.ClientAddressKey"/> (IPv6 by /64); only authorized joins take a permit.
/// </summary>
internal sealed class JoinRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<IPAddress> _limiter;

    public JoinRateLimiter(IOptions<SfuOptions> options)
    {
        var perMinute = options.Value.Limits.JoinsPerIpPerMinute;
        _limiter = PartitionedRateLimiter.Create<IPAddress, IPAddress>(ip => RateLimitPartition.GetFixedWindowLimiter(ip,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    public bool TryAcquire(IPAddress? address)
    {
        using var lease = _limiter.AttemptAcquire(Networking.ClientAddressKey.For(address));
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
