using DigitalWeRoom.Sfu.Server.Networking;
using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Signaling;

/// <summary>
/// Joins per client per minute (<c>Sfu:Limits:JoinsPerIpPerMinute</c>), so one address cannot churn rooms; only
/// authorized joins take a permit.
/// </summary>
internal sealed class JoinRateLimiter(IOptions<SfuOptions> options, TimeProvider time) : PerClientRateLimiter(options.Value.Limits.JoinsPerIpPerMinute, time);
