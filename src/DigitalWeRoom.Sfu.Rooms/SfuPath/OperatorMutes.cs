using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// What the operator muted of one participant's publishing, by kind ("audio", "video"): those producers are paused
/// (dropped before any consumer sees them), and producers created later for that kind start paused. Room loop only.
/// </summary>
internal sealed class OperatorMutes
{
    private readonly HashSet<string> _kinds = new(StringComparer.Ordinal);

    public bool IsMuted(MediaKind kind) => _kinds.Contains(kind.ToSdpName());

    public void Set(string kind, bool muted, IEnumerable<PublishedTrack> published)
    {
        if (muted)
        {
            _kinds.Add(kind);
        }
        else
        {
            _kinds.Remove(kind);
        }

        var mediaKind = kind == "audio" ? MediaKind.Audio : MediaKind.Video;
        foreach (var track in published)
        {
            if (track.Kind == mediaKind)
            {
                // A simulcast camera is one producer per layer: every layer stops, not only the lowest.
                foreach (var layer in track.Layers)
                {
                    layer.Paused = muted;
                }
            }
        }
    }
}
