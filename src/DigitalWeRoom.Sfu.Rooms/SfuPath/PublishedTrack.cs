using DigitalWeRoom.Sfu.Media.Routing;
using DigitalWeRoom.Sfu.Rooms.Negotiation;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// One track a session publishes (one publish section): its producers, lowest simulcast layer first (RFC 8853 rids),
/// a single one when the section is not simulcast. The lowest layer carries <see cref="TrackId"/>, the id
/// subscribers see. Acting on the track (operator mute, pause) means acting on every layer.
/// </summary>
public sealed record PublishedTrack(string TrackId, MediaKind Kind, SlotPurpose Source, Producer[] Layers)
{
    /// <summary>The lowest layer: what subscribers consume and what carries the track id.</summary>
    public Producer Lowest => Layers[0];

    public bool IsSimulcast => Layers.Length > 1;
}
