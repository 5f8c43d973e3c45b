using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// The server's half of one participant's first-remote-frame timeline (docs/benchmarks.md), as router-clock
/// timestamps (0 = not yet): session created (the join), first offer sent, first answer applied, media connected
/// (DTLS done, on the room loop), and the first video packet queued to this subscriber. The transport's own steps
/// (checks, USE-CANDIDATE, DTLS records, SRTP) are in <see cref="Transport.WebRtcTransport.Timeline"/>.
/// </summary>
public sealed partial class SfuSession
{
    private readonly long _createdAt;
    private long _firstOfferAt;
    private long _firstAnswerAt;
    private long _mediaConnectedAt;

    public long CreatedAt => _createdAt;

    public long FirstOfferAt => _firstOfferAt;

    public long FirstAnswerAt => _firstAnswerAt;

    public long MediaConnectedAt => _mediaConnectedAt;

    /// <summary>The first video packet (live or replayed from the key-frame cache) queued to this subscriber, or 0.</summary>
    public long FirstVideoQueuedAt =>
        _consumers.Values.Where(c => c.Kind == MediaKind.Video && c.FirstEnqueuedAt != 0).Select(c => c.FirstEnqueuedAt).DefaultIfEmpty(0).Min();

    /// <summary>Room loop: records <paramref name="field"/> once, now.</summary>
    private void MarkOnce(ref long field)
    {
        if (field == 0)
        {
            field = _room.Router.Time.GetTimestamp();
        }
    }
}
