using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.Negotiation;

/// <summary>
/// A remote participant's track that this participant should receive. The server writes it as a sendonly
/// m= section with <c>a=msid:StreamId MsidTrackId</c> (RFC 8830 §2) and SSRCs it allocates itself.
/// </summary>
/// <param name="TrackId">The server's id for the track (the Producer id); the key of the subscription.</param>
/// <param name="Kind">Audio or video.</param>
/// <param name="StreamId">msid stream id the page sees (usually the publisher's stream id).</param>
/// <param name="MsidTrackId">msid track id the page sees; usually the publisher's track id.</param>
/// <param name="Cname">RTCP CNAME for the outgoing SSRCs (RFC 7022); usually the publisher's.</param>
/// <param name="PayloadTypes">When set, only these server payload types (and their RTX) are offered, e.g. the
/// codec the publisher actually sends; otherwise every configured codec of the kind.</param>
public sealed record SubscribedTrack(
    string TrackId,
    MediaKind Kind,
    string StreamId,
    string MsidTrackId,
    string Cname,
    IReadOnlyList<byte>? PayloadTypes = null)
{
    public string? Validate()
    {
        if (!SdpToken.IsMsidId(TrackId))
        {
            return $"subscription track id '{TrackId}' is not 1..64 characters of letters, digits and -_.{{}}";
        }
        if (!SdpToken.IsMsidId(StreamId) || !SdpToken.IsMsidId(MsidTrackId))
        {
            return $"subscription {TrackId}: msid '{StreamId} {MsidTrackId}' is not two msid-ids (RFC 8830 §2)";
        }
        if (!SdpToken.IsToken(Cname))
        {
            return $"subscription {TrackId}: cname is not a visible-ASCII token";
        }
        return null;
    }
}
