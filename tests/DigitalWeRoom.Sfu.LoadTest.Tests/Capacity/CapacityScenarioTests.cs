using DigitalWeRoom.Sfu.LoadTest.Media;
using DigitalWeRoom.Sfu.LoadTest.Participants;
using DigitalWeRoom.Sfu.LoadTest.Scenarios;
using DigitalWeRoom.Sfu.LoadTest.Targets;
using DigitalWeRoom.Sfu.LoadTest.Tests.Faults;
using Xunit.Abstractions;

namespace DigitalWeRoom.Sfu.LoadTest.Tests.Capacity;

/// <summary>
/// The capacity scenarios (loadtest <c>livestream</c>, <c>large-meeting</c>, <c>audio</c>) in small, through the real
/// server (Kestrel in this process): after the layers settle, what each subscriber receives over a window has the
/// intended shape, judged per publisher and per simulcast layer from the payload stamps.
/// </summary>
[Collection("loopback-sockets")]
public class CapacityScenarioTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Livestream_EverySubscriberGetsOnlyQ_AndTheAudio()
    {
        using var host = new FaultServer();
        var plan = ScenarioPlan.Livestream(6, TimeSpan.FromMinutes(2));
        var profile = CapacityScenarios.MediaFor(plan.Kind, new MediaProfile { VideoFps = 15, KeyFrameInterval = TimeSpan.FromSeconds(1) });
        await using var room = await JoinAsync(host, plan, profile);
        var subscribers = room.People.Where(p => p.Plan.Subscribes).ToArray();
        await Eventually.TrueAsync(() => subscribers.All(s => s.VideoCheckFrom(0)?.CurrentLayer == 0), TimeSpan.FromSeconds(30), "every subscriber on q");

        var got = await MeasureAsync(room);
        foreach (var s in subscribers)
        {
            var (layers, audio) = got[s][0];
            Assert.True(layers[0] > 0 && layers[1] == 0 && layers[2] == 0, $"{s.Plan.Name}: bytes by layer {string.Join("/", layers)}");
            Assert.True(audio > 100, $"{s.Plan.Name}: {audio} audio packets in {Window.TotalSeconds} s");
        }
    }

    [Fact]
    public async Task LargeMeeting_EachSubscriberGetsTheSpeakerOnF_EightOnQ_NoOtherVideo_AndEveryMicrophone()
    {
        // 11 participants: each page has 10 others, 9 on it (1 on f, 8 on q) and 1 off it, held back by last-N.
        using var host = new FaultServer(("Sfu:Media:LastN", CapacityScenarios.LargeMeetingTiles.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var plan = ScenarioPlan.LargeMeeting(11, TimeSpan.FromMinutes(2));
        var profile = CapacityScenarios.MediaFor(plan.Kind, new MediaProfile { VideoFps = 10, KeyFrameInterval = TimeSpan.FromSeconds(1), Simulcast = SimulcastLayer.WithBitrates([60_000, 200_000, 500_000]) });
        await using var room = await JoinAsync(host, plan, profile);
        var people = room.People;
        int Expected(SyntheticParticipant s, int publisher) => CapacityScenarios.LargeMeetingTile(s.Plan.PublisherIndex, publisher) switch
        {
            (0, 0) => -1,
            var t when t == CapacityScenarios.SpeakerTile => 2,
            _ => 0,
        };
        await Eventually.TrueAsync(() => people.All(s => people.Where(p => p != s && Expected(s, p.Plan.PublisherIndex) >= 0)
            .All(p => s.VideoCheckFrom(p.Plan.PublisherIndex)?.CurrentLayer == Expected(s, p.Plan.PublisherIndex))), TimeSpan.FromSeconds(40), "every shown tile on its layer");

        var got = await MeasureAsync(room);
        var problems = new List<string>();
        foreach (var s in people)
        {
            int onF = 0, onQ = 0;
            foreach (var p in people.Where(p => p != s))
            {
                var (layers, audio) = got[s][p.Plan.PublisherIndex];
                int expected = Expected(s, p.Plan.PublisherIndex);
                var receivedLayers = Enumerable.Range(0, 3).Where(l => layers[l] > 0).ToArray();
                if (expected < 0 && receivedLayers.Length > 0) problems.Add($"{s.Plan.Name}<p{p.Plan.PublisherIndex}: off the page but got layers {string.Join(",", receivedLayers)}");
                if (expected >= 0 && !receivedLayers.SequenceEqual([expected])) problems.Add($"{s.Plan.Name}<p{p.Plan.PublisherIndex}: expected layer {expected}, got {string.Join(",", receivedLayers)}");
                if (audio < 50) problems.Add($"{s.Plan.Name}<p{p.Plan.PublisherIndex}: {audio} audio packets");
                onF += receivedLayers.SequenceEqual([2]) ? 1 : 0;
                onQ += receivedLayers.SequenceEqual([0]) ? 1 : 0;
            }
            output.WriteLine($"{s.Plan.Name}: f from {onF}, q from {onQ}, audio from {people.Count(p => p != s && got[s][p.Plan.PublisherIndex].Audio > 0)}");
            if (onF != 1 || onQ != 8) problems.Add($"{s.Plan.Name}: {onF} on f, {onQ} on q");
        }
        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }

    [Fact]
    public async Task Audio_TenMicrophones_EveryListenerGetsAllTen_NoVideo()
    {
        using var host = new FaultServer();
        var plan = ScenarioPlan.Audio(10, 4, TimeSpan.FromMinutes(2));
        var profile = CapacityScenarios.MediaFor(plan.Kind, new MediaProfile());
        Assert.False(profile.Video);
        await using var room = await JoinAsync(host, plan, profile);
        var listeners = room.People.Where(p => p.Plan.Subscribes).ToArray();
        await Eventually.TrueAsync(() => listeners.All(s => Enumerable.Range(0, 10).All(p => s.ReceivedFrom(p, StreamKind.Audio) is { Any: true })), TimeSpan.FromSeconds(30), "every listener hears all ten");

        var got = await MeasureAsync(room);
        foreach (var s in listeners)
        {
            Assert.All(Enumerable.Range(0, 10), publisher => Assert.True(got[s][publisher].Audio > 100, $"{s.Plan.Name}<p{publisher}: {got[s][publisher].Audio} audio packets"));
            Assert.True(s.ForeignPackets == 0 && Enumerable.Range(0, 10).All(p => s.VideoCheckFrom(p) is null && s.ReceivedFrom(p, StreamKind.Video) is null), $"{s.Plan.Name} got video");
        }
    }

    private static async Task<FaultMeeting> JoinAsync(FaultServer host, ScenarioPlan plan, MediaProfile profile)
    {
        var room = new FaultMeeting(new ServerTarget(host.WebSocketUri, allowNetns: false), plan, profile);
        if (CapacityScenarios.TilesFor(plan.Kind) is { } tiles)
        {
            foreach (var p in room.People.Where(p => p.Plan.Subscribes)) p.TileFor = publisher => tiles(p.Plan.PublisherIndex, publisher);
        }
        await room.JoinAllAsync();
        return room;
    }

    /// <summary>Per subscriber, per publisher: video bytes by layer and unique audio packets received over <see cref="Window"/>.</summary>
    private async Task<Dictionary<SyntheticParticipant, Dictionary<int, (long[] Layers, long Audio)>>> MeasureAsync(FaultMeeting room)
    {
        var publishers = room.People.Where(p => p.Plan.Publishes).Select(p => p.Plan.PublisherIndex).ToArray();
        Dictionary<SyntheticParticipant, Dictionary<int, (long[] Layers, long Audio)>> Snapshot() =>
            room.People.Where(p => p.Plan.Subscribes).ToDictionary(s => s, s => publishers.ToDictionary(p => p, p =>
                (s.VideoCheckFrom(p) is { } c ? new[] { c.BytesOfLayer(0), c.BytesOfLayer(1), c.BytesOfLayer(2) } : new long[3], s.ReceivedFrom(p, StreamKind.Audio)?.Unique ?? 0)));
        var before = Snapshot();
        await Task.Delay(Window);
        var after = Snapshot();
        var result = after.ToDictionary(x => x.Key, x => x.Value.ToDictionary(y => y.Key, y =>
            (Layers: y.Value.Item1.Zip(before[x.Key][y.Key].Item1, (a, b) => a - b).ToArray(), Audio: y.Value.Item2 - before[x.Key][y.Key].Item2)));
        foreach (var (s, byPublisher) in result)
        {
            output.WriteLine($"{s.Plan.Name}: " + string.Join(" ", byPublisher.Select(x => $"p{x.Key}[{string.Join("/", x.Value.Layers)} a{x.Value.Audio}]")));
        }
        return result;
    }
}
