using DigitalWeRoom.Sfu.Protocols.Sdp;
using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// One m= section of a participant's connection as the server offered it. The index and mid never change
/// (JSEP, RFC 8829 §5.2.2: existing m= sections keep their order); a subscribe slot whose track went away
/// is offered <c>inactive</c> and may carry a different track later (with new SSRCs).
/// </summary>
public sealed record MediaSlot(
    int Index,
    string Mid,
    MediaKind Kind,
    SlotPurpose Purpose,
    SdpDirection Direction,
    SubscribedTrack? Track = null,
    uint LocalSsrc = 0,
    uint LocalRtxSsrc = 0,
    bool Rejected = false)
{
    /// <summary>Whether the slot is free to carry a new subscription of its kind.</summary>
    public bool IsReusable => Purpose == SlotPurpose.Subscribe && Track is null && !Rejected;
}
