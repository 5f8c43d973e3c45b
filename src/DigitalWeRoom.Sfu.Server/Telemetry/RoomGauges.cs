using System.Diagnostics.Metrics;
using DigitalWeRoom.Sfu.Rooms;

namespace DigitalWeRoom.Sfu.Server.Telemetry;

/// <summary>
/// The rooms gauges (<c>sfu_rooms</c>, <c>sfu_participants</c>, <c>sfu_tracks_published</c>, <c>sfu_tracks_subscribed</c>),
/// read from the registry's immutable room snapshots at scrape time.
/// </summary>
internal sealed class RoomGauges(RoomRegistry rooms, MetricTags tags)
{
    private readonly RoomRegistry _rooms = rooms;
    private readonly MetricTags _tags = tags;

    public IEnumerable<Measurement<long>> ObserveRooms()
    {
        var counts = new long[MetricLabels.Modes.Length];
        foreach (var room in _rooms.Snapshot())
        {
            counts[ModeIndex(room.Mode)]++;
        }

        return ByMode(counts);
    }

    public IEnumerable<Measurement<long>> ObserveParticipants()
    {
        var counts = new long[MetricLabels.Modes.Length];
        foreach (var room in _rooms.Snapshot())
        {
            counts[ModeIndex(room.Mode)] += room.Participants.Count;
        }

        return ByMode(counts);
    }

    public IEnumerable<Measurement<long>> ObserveTracksPublished()
    {
        long audio = 0, video = 0;
        foreach (var room in _rooms.Snapshot())
        {
            foreach (var p in room.Participants)
            {
                foreach (var t in p.Tracks)
                {
                    if (t.Kind == MetricLabels.Audio)
                    {
                        audio++;
                    }
                    else
                    {
                        video++;
                    }
                }
            }
        }

        return [_tags.M(audio, MetricTags.Tag(MetricLabels.Kind, MetricLabels.Audio)), _tags.M(video, MetricTags.Tag(MetricLabels.Kind, MetricLabels.Video))];
    }

    public IEnumerable<Measurement<long>> ObserveTracksSubscribed()
    {
        long audio = 0, video = 0;
        foreach (var room in _rooms.Snapshot())
        {
            if (room.Mode == MetricLabels.Modes[0])
            {
                continue; // p2p: the server forwards nothing.
            }

            var others = room.Participants.Count - 1;
            foreach (var p in room.Participants)
            {
                foreach (var t in p.Tracks)
                {
                    if (t.Kind == MetricLabels.Audio)
                    {
                        audio += others;
                    }
                    else
                    {
                        video += others;
                    }
                }
            }
        }

        return [_tags.M(audio, MetricTags.Tag(MetricLabels.Kind, MetricLabels.Audio)), _tags.M(video, MetricTags.Tag(MetricLabels.Kind, MetricLabels.Video))];
    }

    private Measurement<long>[] ByMode(long[] counts) => _tags.ByLabel(counts, MetricLabels.Mode, MetricLabels.Modes);

    private static int ModeIndex(string mode) => Array.IndexOf(MetricLabels.Modes, mode) is var i and >= 0 ? i : MetricLabels.Modes.Length - 1;
}
