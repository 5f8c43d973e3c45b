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
}
