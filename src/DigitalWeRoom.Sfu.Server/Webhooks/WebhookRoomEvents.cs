using DigitalWeRoom.Sfu.Rooms;
using DigitalWeRoom.Sfu.Rooms.Signaling;

namespace DigitalWeRoom.Sfu.Server.Webhooks;

/// <summary>
/// Turns the rooms' events (<see cref="RoomRegistry.Events"/>) into webhook events for the <see cref="WebhookNotifier"/>.
/// Subscribed only while webhooks are configured. Called on the rooms' control loops: it builds the event and
/// <see cref="WebhookNotifier.Enqueue"/>s it (bounded, never blocks), so a slow receiver can never delay a room.
/// </summary>
public sealed class WebhookRoomEvents(RoomRegistry rooms, WebhookNotifier notifier, TimeProvider time, IRoomLifecycleGate? lifecycle = null)
    : IHostedService, IRoomEventSink
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (notifier.Enabled)
        {
            _subscription = rooms.Events.Subscribe(this);
            lifecycle?.OnFinishedElsewhere(room => Lifecycle(room, WebhookEventNames.RoomFinished, null));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        _subscription = null;
        return Task.CompletedTask;
    }

    public void OnRoomStarted(string room) => Lifecycle(room, WebhookEventNames.RoomStarted, lifecycle is null ? null : lifecycle.RoomStarted);

    public void OnRoomFinished(string room) => Lifecycle(room, WebhookEventNames.RoomFinished, lifecycle is null ? null : lifecycle.RoomFinished);

    public void OnParticipantJoined(string room, ParticipantInfo participant, int participantCount) =>
        Send(WebhookEventNames.ParticipantJoined, new WebhookRoom(room, participantCount), participant);

    public void OnParticipantLeft(string room, ParticipantInfo participant, int participantCount, string reason) =>
        Send(WebhookEventNames.ParticipantLeft, new WebhookRoom(room, participantCount), participant);

    public void OnTrackPublished(string room, ParticipantInfo participant, TrackInfo track, int participantCount) =>
        Send(WebhookEventNames.TrackPublished, new WebhookRoom(room, participantCount), participant, new WebhookTrack(track.Id, track.Kind, track.Source));

    /// <summary>Room start and end go through the cluster's gate when there is one (once per room in the cluster).</summary>
    private void Lifecycle(string room, string name, Action<string, Action>? gate)
    {
        var createdAt = time.GetUtcNow().ToUnixTimeSeconds();
        void SendIt() => notifier.Enqueue(new WebhookEvent { Event = name, CreatedAt = createdAt, Room = new WebhookRoom(room, 0) });
        if (gate is null)
        {
            SendIt();
        }
        else
        {
            gate(room, SendIt);
        }
    }

    private void Send(string name, WebhookRoom room, ParticipantInfo? participant = null, WebhookTrack? track = null) =>
        notifier.Enqueue(new WebhookEvent
        {
            Event = name,
            CreatedAt = time.GetUtcNow().ToUnixTimeSeconds(),
            Room = room,
            Participant = participant is null ? null : new WebhookParticipant(participant.Id, participant.Name) { Identity = participant.Identity },
            Track = track,
        });
}
