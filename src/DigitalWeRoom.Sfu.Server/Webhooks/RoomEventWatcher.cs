using DigitalWeRoom.Sfu.Rooms;
using Microsoft.Extensions.Options;

namespace DigitalWeRoom.Sfu.Server.Webhooks;

/// <summary>
/// Finds room events by comparing <see cref="RoomRegistry.Snapshot"/> every <see cref="WebhookOptions.PollInterval"/>
/// and hands them to the <see cref="WebhookNotifier"/>. Reading published snapshots keeps webhooks entirely off the
/// rooms' control loops: a slow receiver can never delay a room.
/// </summary>
public sealed class RoomEventWatcher(RoomRegistry rooms, WebhookNotifier notifier, IOptions<WebhookOptions> options, TimeProvider time)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!notifier.Enabled)
        {
            return;
        }

        IReadOnlyList<RoomSnapshot> previous = [];
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                IReadOnlyList<RoomSnapshot> current = rooms.Snapshot();
                foreach (WebhookEvent e in RoomEventDiff.Diff(previous, current, time.GetUtcNow()))
                {
                    notifier.Enqueue(e);
                }

                previous = current;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>The events that turn one set of room snapshots into the next.</summary>
public static class RoomEventDiff
{
    public static IEnumerable<WebhookEvent> Diff(IReadOnlyList<RoomSnapshot> previous, IReadOnlyList<RoomSnapshot> current, DateTimeOffset now)
    {
        long at = now.ToUnixTimeSeconds();
        var before = previous.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var after = current.ToDictionary(r => r.Name, StringComparer.Ordinal);
        foreach (RoomSnapshot room in current)
        {
            var webhookRoom = new WebhookRoom(room.Name, room.Participants.Count);
            before.TryGetValue(room.Name, out RoomSnapshot? old);
            if (old is null)
            {
                yield return new WebhookEvent { Event = WebhookEventNames.RoomStarted, CreatedAt = at, Room = webhookRoom };
            }

            var oldParticipants = (old?.Participants ?? []).ToDictionary(p => p.Id, StringComparer.Ordinal);
            foreach (var p in room.Participants)
            {
                var participant = new WebhookParticipant(p.Id, p.Name);
                oldParticipants.TryGetValue(p.Id, out var was);
                if (was is null)
                {
                    yield return new WebhookEvent { Event = WebhookEventNames.ParticipantJoined, CreatedAt = at, Room = webhookRoom, Participant = participant };
                }

                var oldTracks = new HashSet<string>((was?.Tracks ?? []).Select(t => t.Id ?? ""), StringComparer.Ordinal);
                foreach (var track in p.Tracks)
                {
                    if (!oldTracks.Contains(track.Id ?? ""))
                    {
                        yield return new WebhookEvent
                        {
                            Event = WebhookEventNames.TrackPublished,
                            CreatedAt = at,
                            Room = webhookRoom,
                            Participant = participant,
                            Track = new WebhookTrack(track.Id, track.Kind, track.Source),
                        };
                    }
                }
            }

            var nowIds = new HashSet<string>(room.Participants.Select(p => p.Id), StringComparer.Ordinal);
            foreach (var gone in oldParticipants.Values.Where(p => !nowIds.Contains(p.Id)))
            {
                yield return new WebhookEvent { Event = WebhookEventNames.ParticipantLeft, CreatedAt = at, Room = webhookRoom, Participant = new WebhookParticipant(gone.Id, gone.Name) };
            }
        }

        foreach (RoomSnapshot gone in previous.Where(r => !after.ContainsKey(r.Name)))
        {
            var webhookRoom = new WebhookRoom(gone.Name, 0);
            foreach (var p in gone.Participants)
            {
                yield return new WebhookEvent { Event = WebhookEventNames.ParticipantLeft, CreatedAt = at, Room = webhookRoom, Participant = new WebhookParticipant(p.Id, p.Name) };
            }

            yield return new WebhookEvent { Event = WebhookEventNames.RoomFinished, CreatedAt = at, Room = webhookRoom };
        }
    }
}
