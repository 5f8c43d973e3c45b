using DigitalWeRoom.Sfu.Rooms.Signaling;
using Microsoft.Extensions.Logging;

namespace DigitalWeRoom.Sfu.Rooms;

/// <summary>
/// The <see cref="IRoomEventSink"/>s of one <see cref="RoomRegistry"/>: sinks subscribe at any time (an immutable
/// array is swapped, so rooms read it without a lock) and each call reaches every sink in subscription order. A sink
/// that throws is logged and the others still run: a bug in a sink must never break a room.
/// </summary>
public sealed class RoomEvents(ILogger logger) : IRoomEventSink
{
    private readonly Lock _gate = new();
    private IRoomEventSink[] _sinks = [];

    /// <summary>Adds <paramref name="sink"/>; dispose the result to remove it.</summary>
    public IDisposable Subscribe(IRoomEventSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        lock (_gate)
        {
            Volatile.Write(ref _sinks, [.. _sinks, sink]);
        }

        return new Subscription(this, sink);
    }

    public void OnRoomStarted(string room) => Each(s => s.OnRoomStarted(room));

    public void OnRoomFinished(string room) => Each(s => s.OnRoomFinished(room));

    public void OnParticipantJoined(string room, ParticipantInfo participant, int participantCount) =>
        Each(s => s.OnParticipantJoined(room, participant, participantCount));

    public void OnParticipantLeft(string room, ParticipantInfo participant, int participantCount, string reason) =>
        Each(s => s.OnParticipantLeft(room, participant, participantCount, reason));

    public void OnTrackPublished(string room, ParticipantInfo participant, TrackInfo track, int participantCount) =>
        Each(s => s.OnTrackPublished(room, participant, track, participantCount));

    public void OnModeSwitched(string room, string from, string to, TimeSpan timeInPreviousMode) =>
        Each(s => s.OnModeSwitched(room, from, to, timeInPreviousMode));

    private void Each(Action<IRoomEventSink> call)
    {
        foreach (var sink in Volatile.Read(ref _sinks))
        {
            try
            {
                call(sink);
            }
            catch (Exception e)
            {
                logger.LogError(e, "Room event sink {Sink} failed", sink.GetType().Name);
            }
        }
    }

    private void Remove(IRoomEventSink sink)
    {
        lock (_gate)
        {
            Volatile.Write(ref _sinks, Array.FindAll(_sinks, s => !ReferenceEquals(s, sink)));
        }
    }

    private sealed class Subscription(RoomEvents owner, IRoomEventSink sink) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(sink);
            }
        }
    }
}
