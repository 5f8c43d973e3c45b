using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Media.Speech;

namespace DigitalWeRoom.Sfu.Server.Options;

/// <summary>Sfu:Media — media routing settings.</summary>
public sealed class MediaSettings
{
    /// <summary>
    /// Last-N: each subscriber receives video from at most this many other participants (speakers first, then
    /// pinned, then on screen); the others' video is paused at the server. 1-1000.
    /// </summary>
    public int LastN { get; set; } = LastNSelector.DefaultN;

    /// <summary>
    /// At most one key-frame request (PLI) per publisher stream this often; new subscribers in between are served
    /// from the key-frame cache. 50 ms - 60 s.
    /// </summary>
    public TimeSpan KeyFrameRequestMinInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Cores one room's fan-out is spread over: one share is sent on the publisher's receive loop, each other share by
    /// a dedicated send thread (each subscriber pinned to one, so its packets keep their order). 0: one per core;
    /// 1: all on the receive loop (before issue 16). 0-64.
    /// </summary>
    public int SendWorkers { get; set; }

    /// <summary>
    /// Items each subscriber's transport may have waiting at its send thread before its own oldest are dropped (a
    /// power of two, 16-4096). A larger budget rides out a longer time off the core (a join storm on a loaded host)
    /// at about 40 bytes per item per subscriber.
    /// </summary>
    public int SendQueueCapacity { get; set; } = SendWorkerOptions.DefaultTransportQueueCapacity;

    /// <summary>
    /// Pace each subscriber's forwarded video to its bandwidth estimate once transport-cc or REMB feedback gives one
    /// (a burst within the estimate still leaves at once; audio is never held). Off: everything leaves as it arrives.
    /// </summary>
    public bool Pacing { get; set; } = true;

    /// <summary>
    /// Video codec preference order (VP8, VP9, H264, AV1). A room uses the first one its first participant supports;
    /// later joiners that cannot decode it are refused with <c>unsupported-codec</c>. Unset (null): VP8, VP9, H264, AV1.
    /// (A default array here would be appended to by configuration binding, not replaced.)
    /// </summary>
    public string[]? VideoCodecs { get; set; }

    /// <summary><see cref="VideoCodecs"/> or the default preference when it is unset.</summary>
    public IReadOnlyList<string> VideoCodecPreference => VideoCodecs ?? Rooms.Negotiation.VideoCodecCatalog.DefaultPreference;
}
