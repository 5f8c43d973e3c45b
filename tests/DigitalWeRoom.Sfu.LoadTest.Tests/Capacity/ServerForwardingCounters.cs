using DigitalWeRoom.Sfu.LoadTest.Tests.Faults;
using DigitalWeRoom.Sfu.Rooms.SfuPath;
using Microsoft.Extensions.DependencyInjection;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Capacity;

/// <summary>
/// The server's own per-subscriber counters: for each participant's media transport in a room, the packets and payload
/// octets its RTP stream senders sent (what its RTCP sender reports carry, RFC 3550 §6.4.1, and what
/// <c>sfu_packets_total{direction="out"}</c> sums).
/// </summary>
internal static class ServerForwardingCounters
{
    public readonly record struct Sent(long Packets, long Octets)
    {
        public static Sent operator -(Sent a, Sent b) => new(a.Packets - b.Packets, a.Octets - b.Octets);
    }

    /// <summary>Participant id → what the server sent it so far.</summary>
    public static Dictionary<string, Sent> Read(FaultServer host, string room)
    {
        var media = host.Services.GetRequiredService<SfuMediaHost>().FindRoom(room) ?? throw new InvalidOperationException($"no media for room {room}");
        var result = new Dictionary<string, Sent>();
        foreach (var transport in media.Router.Transports)
        {
            long packets = 0, octets = 0;
            foreach (var stream in transport.Streams)
            {
                packets += stream.PacketCount;
                octets += stream.OctetCount;
            }
            result[transport.Id] = new Sent(packets, octets);
        }
        return result;
    }
}
