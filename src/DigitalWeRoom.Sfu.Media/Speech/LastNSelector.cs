namespace DigitalWeRoom.Sfu.Media.Speech;

/// <summary>
/// Last-N (issue #4 item 6): which participants' video a subscriber receives. Pure function: the N most relevant
/// candidates in priority order: recent speakers (most recent first), then pinned, then on screen, then the rest in
/// the order given. The subscriber itself is never a candidate (the caller leaves it out).
/// </summary>
public static class LastNSelector
{
    public const int DefaultN = 25;

    /// <summary>Writes to <paramref name="active"/>[i] whether <paramref name="candidates"/>[i] is forwarded; returns the count.</summary>
    public static int Select(
        int n,
        IReadOnlyList<string> candidates,
        IReadOnlyList<string> speakerHistory,
        IReadOnlyCollection<string> pinned,
        IReadOnlyCollection<string> onScreen,
        Span<bool> active)
    {
        active[..candidates.Count].Clear();
        int chosen = 0;
        // Pass 0: speakers in history order; then pinned, on screen, anyone.
        foreach (var speaker in speakerHistory)
        {
            if (chosen >= n) return chosen;
            int index = IndexOf(candidates, speaker);
            if (index >= 0 && !active[index])
            {
                active[index] = true;
                chosen++;
            }
        }
        for (int pass = 0; pass < 3; pass++)
        {
            for (int i = 0; i < candidates.Count && chosen < n; i++)
            {
                if (active[i]) continue;
                bool take = pass switch
                {
                    0 => Contains(pinned, candidates[i]),
                    1 => Contains(onScreen, candidates[i]),
                    _ => true,
                };
                if (take)
                {
                    active[i] = true;
                    chosen++;
                }
            }
        }
        return chosen;
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (string.Equals(list[i], value, StringComparison.Ordinal)) return i;
        }
        return -1;
    }

    private static bool Contains(IReadOnlyCollection<string> set, string value)
    {
        foreach (var item in set)
        {
            if (string.Equals(item, value, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}

/// <summary>
/// Per-subscriber last-N state (room control loop): N, pinned and on-screen sets, and the current active set.
/// <see cref="Update"/> recomputes and reports which participants' video to resume and which to pause.
/// </summary>
public sealed class LastNState
{
    private readonly HashSet<string> _active = new(StringComparer.Ordinal);

    public LastNState(int n = LastNSelector.DefaultN) => N = n;

    public int N { get; set; }

    public HashSet<string> Pinned { get; } = new(StringComparer.Ordinal);

    public HashSet<string> OnScreen { get; } = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Active => _active;

    public void Update(IReadOnlyList<string> candidates, IReadOnlyList<string> speakerHistory, List<string> resumed, List<string> paused)
    {
        Span<bool> flags = candidates.Count <= 256 ? stackalloc bool[candidates.Count] : new bool[candidates.Count];
        LastNSelector.Select(N, candidates, speakerHistory, Pinned, OnScreen, flags);
        resumed.Clear();
        paused.Clear();
        for (int i = 0; i < candidates.Count; i++)
        {
            if (flags[i] && _active.Add(candidates[i])) resumed.Add(candidates[i]);
        }
        foreach (var id in _active)
        {
            int index = -1;
            for (int i = 0; i < candidates.Count; i++)
            {
                if (string.Equals(candidates[i], id, StringComparison.Ordinal)) { index = i; break; }
            }
            if (index < 0 || !flags[index]) paused.Add(id);
        }
        foreach (var id in paused) _active.Remove(id);
    }
}
