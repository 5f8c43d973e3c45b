using DigitalWeRoom.Sfu.Server.Options;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Networking;

/// <summary>
/// Room summaries per client per minute (<c>Sfu:Page:SummariesPerIpPerMinute</c>, keyed like joins); one per host, so
/// the metrics can read how many clients it refused because its table was full.
/// </summary>
internal sealed class RoomSummaryRateLimiter(IOptions<SfuOptions> options, TimeProvider time) : PerClientRateLimiter(options.Value.Page.SummariesPerIpPerMinute, time);
