namespace DigitalWeRoom.Sfu.Media.Congestion;

/// <summary>One track of a subscriber, as the allocator sees it.</summary>
/// <param name="IsAudio">Audio is served first, always at its bitrate.</param>
/// <param name="IsActiveSpeaker">The active speaker's video comes right after audio.</param>
/// <param name="TileArea">Pixels of the tile the page shows it in; larger tiles are served first.</param>
/// <param name="LayerBitrates">Bitrate of each layer, lowest first (one entry for non-simulcast tracks).</param>
/// <param name="MaxLayer">Highest layer worth sending for the tile (from SetPreferredLayer); -1: none wanted.</param>
public readonly record struct TrackDemand(bool IsAudio, bool IsActiveSpeaker, int TileArea, double[] LayerBitrates, int MaxLayer)
{
    /// <summary>Pinned by the subscriber: served after the active speaker, before larger tiles.</summary>
    public bool IsPinned { get; init; }

    /// <summary>
    /// Paused for bandwidth: its lowest layer must fit with <see cref="LayerAllocator.ResumeMargin"/> to come back, so
    /// an estimate hovering at the threshold does not pause and resume it on every feedback.
    /// </summary>
    public bool IsBandwidthPaused { get; init; }

    /// <summary>What the allocator charges for the lowest layer.</summary>
    public double LowestCost => IsBandwidthPaused ? LayerBitrates[0] * LayerAllocator.ResumeMargin : LayerBitrates[0];
}

/// <summary>
/// Splits a subscriber's bandwidth estimate across its tracks (issue #4 item 5): all audio first; then every video
/// gets its lowest layer in priority order (active speaker, pinned, then larger tiles) while the budget lasts; a
/// video whose lowest layer does not fit gets -1 (paused for bandwidth, see <see cref="BandwidthPauser"/>); then
/// videos are raised in the same order, each as far as its tile warrants, before the next is raised. Pure; allocates
/// nothing.
/// </summary>
internal static class LayerAllocator
{
    /// <summary>A video paused for bandwidth comes back only when its lowest layer fits this many times over.</summary>
    public const double ResumeMargin = 1.25;

    /// <summary>Writes the chosen layer per track into <paramref name="layers"/> (-1: pause); returns the bitrate used.</summary>
    public static double Allocate(double budgetBps, ReadOnlySpan<TrackDemand> tracks, Span<int> layers, Span<int> orderScratch) =>
        Allocate(budgetBps, tracks, layers, orderScratch, out _);

    /// <summary>
    /// As above; <paramref name="videos"/> is the number of wanted videos, whose indices
    /// <paramref name="orderScratch"/> then holds in priority order (highest first).
    /// </summary>
    public static double Allocate(double budgetBps, ReadOnlySpan<TrackDemand> tracks, Span<int> layers, Span<int> orderScratch, out int videos)
    {
        double remaining = budgetBps;
        videos = 0;
        for (int i = 0; i < tracks.Length; i++)
        {
            layers[i] = -1;
            var t = tracks[i];
            if (t.IsAudio)
            {
                double bitrate = t.LayerBitrates.Length > 0 ? t.LayerBitrates[0] : 0;
                layers[i] = 0;
                remaining -= bitrate;
            }
            else if (t.MaxLayer >= 0 && t.LayerBitrates.Length > 0)
            {
                orderScratch[videos++] = i;
            }
        }
        var order = orderScratch[..videos];
        // Insertion sort by priority (few tracks; no delegate allocation).
        for (int a = 1; a < order.Length; a++)
        {
            int current = order[a];
            int b = a - 1;
            while (b >= 0 && Before(tracks[current], tracks[order[b]]))
            {
                order[b + 1] = order[b];
                b--;
            }
            order[b + 1] = current;
        }
        foreach (int i in order)
        {
            double lowest = tracks[i].LowestCost;
            if (lowest <= remaining)
            {
                layers[i] = 0;
                remaining -= tracks[i].LayerBitrates[0];
            }
        }
        foreach (int i in order)
        {
            if (layers[i] < 0) continue;
            var t = tracks[i];
            int max = Math.Min(t.MaxLayer, t.LayerBitrates.Length - 1);
            while (layers[i] < max)
            {
                double step = t.LayerBitrates[layers[i] + 1] - t.LayerBitrates[layers[i]];
                if (step > remaining) break;
                remaining -= step;
                layers[i]++;
            }
        }
        return budgetBps - remaining;
    }

    private static bool Before(in TrackDemand x, in TrackDemand y)
    {
        if (x.IsActiveSpeaker != y.IsActiveSpeaker) return x.IsActiveSpeaker;
        if (x.IsPinned != y.IsPinned) return x.IsPinned;
        return x.TileArea > y.TileArea;
    }
}
