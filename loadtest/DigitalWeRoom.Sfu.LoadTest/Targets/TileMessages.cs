using System.Net.WebSockets;
using System.Text.Json.Nodes;
using DigitalWeRoom.Sfu.LoadTest.Participants;

namespace DigitalWeRoom.Sfu.LoadTest.Targets;

/// <summary>
/// What a subscriber's page says about its tiles: <c>video-size</c> per camera it shows (simulcast layer choice) and
/// <c>view</c> with the participants whose tiles are on its grid page (last-N input, docs/signaling.md). A tile of
/// 0 x 0 (<see cref="SyntheticParticipant.TileFor"/>) is not on the page: no <c>video-size</c>, not in <c>visible</c>.
/// </summary>
/// <param name="ownerOf">The participant id and publisher index of a server track id, null if not (yet) known.</param>
internal sealed class TileMessages(Func<string, (string Id, int Publisher)?> ownerOf)
{
    /// <summary>
    /// The subscriber's tiles changed (<see cref="SyntheticParticipant.TileFor"/>): <c>video-size</c> again for every
    /// camera track it receives, paced under the server's limit of 10 per second per participant.
    /// </summary>
    public void Resend(ServerMember m)
    {
        lock (m.VideoTracks)
        {
            foreach (var track in m.VideoTracks) m.PendingSizes.Add(track);
        }
        if (m.SizeLoop is null && m.Participant.TileFor is not null) m.SizeLoop = Task.Run(() => RunSizeLoopAsync(m), CancellationToken.None);
    }

    /// <summary>A server offer: queue <c>video-size</c> for new camera tracks on the page, and send <c>view</c> when the page's set changed.</summary>
    public async Task OnOfferAsync(ServerMember m, ClientSdp.Remote offer)
    {
        var tileFor = m.Participant.TileFor!;
        string[] visible;
        lock (m.VideoTracks)
        {
            foreach (var s in offer.Sections)
            {
                if (s.Kind != "video" || s.Direction != "sendonly" || s.MsidTrack is not { } track || !m.VideoTracks.Add(track)) continue;
                if (ownerOf(track)?.Publisher is int publisher && tileFor(publisher) is (0, 0)) continue;
                m.PendingSizes.Add(track);
            }
            visible = [.. m.VideoTracks.Select(ownerOf).OfType<(string Id, int Publisher)>().Where(x => tileFor(x.Publisher) is not (0, 0)).Select(x => x.Id).Distinct().Order(StringComparer.Ordinal)];
            if (visible.SequenceEqual(m.Visible)) return;
            m.Visible = visible;
        }
        // The server applies a view at most every 250 ms and keeps the newest, so one per change is enough.
        await m.SendAsync(new JsonObject { ["type"] = "view", ["visible"] = new JsonArray([.. visible.Select(v => (JsonNode)v)]) }, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Sends pending <c>video-size</c> messages, one per 125 ms (the server applies at most 10 per second).</summary>
    public async Task RunSizeLoopAsync(ServerMember m)
    {
        try
        {
            while (m.Socket.State is WebSocketState.Open or WebSocketState.Connecting)
            {
                await Task.Delay(125).ConfigureAwait(false);
                string? track;
                lock (m.VideoTracks)
                {
                    track = m.PendingSizes.FirstOrDefault();
                    if (track is not null) m.PendingSizes.Remove(track);
                }
                if (track is null || m.Participant.TileFor is not { } tileFor || ownerOf(track)?.Publisher is not int publisher) continue;
                var (width, height) = tileFor(publisher);
                if (width == 0 && height == 0) continue;
                await m.SendAsync(new JsonObject { ["type"] = "video-size", ["trackId"] = track, ["width"] = width, ["height"] = height }, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
