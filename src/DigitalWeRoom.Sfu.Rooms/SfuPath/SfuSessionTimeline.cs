using DigitalWeRoom.Sfu.Media.Routing;

namespace DigitalWeRoom.Sfu.Rooms.SfuPath;

/// <summary>
/// The server's half of one participant's first-remote-frame timeline (docs/benchmarks.md), as router-clock
/// timestamps (0 = not yet): session created (the join), first offer sent, first answer applied, media connected
/// (DTLS done, seen on the room loop), and the first video packet queued to this subscriber. The transport's own
/// steps (checks, USE-CANDIDATE, DTLS records, SRTP) are in <see cref="Transport.WebRtcTransport.Timeline"/>.
/// Written on the room loop only.
/// </summary>
public sealed class SfuSessionTimeline(TimeProvider time, Func<IEnumerable<Consumer>> consumers)
{
    private long _firstOfferAt;
    private long _firstAnswerAt;
    private long _mediaConnectedAt;

    public long CreatedAt { get; } = time.GetTimestamp();

    public long FirstOfferAt => Volatile.Read(ref _firstOfferAt);

    public long FirstAnswerAt => Volatile.Read(ref _firstAnswerAt);

    public long MediaConnectedAt => Volatile.Read(ref _mediaConnectedAt);

    /// <summary>The first video packet (live or replayed from the key-frame cache) queued to this subscriber, or 0. Room loop.</summary>
    public long FirstVideoQueuedAt() =>
        consumers().Where(c => c.Kind == MediaKind.Video && c.FirstEnqueuedAt != 0).Select(c => c.FirstEnqueuedAt).DefaultIfEmpty(0).Min();

    internal void OnOfferSent() => MarkOnce(ref _firstOfferAt);

    internal void OnAnswerApplied() => MarkOnce(ref _firstAnswerAt);

    internal void OnMediaConnected() => MarkOnce(ref _mediaConnectedAt);

    private void MarkOnce(ref long field)
    {
        if (Volatile.Read(ref field) == 0)
        {
            Volatile.Write(ref field, time.GetTimestamp());
        }
    }
}
